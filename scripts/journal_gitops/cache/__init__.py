"""What the tooling remembers from one run to the next, and how it stays right: every entry is
keyed by a content hash of everything that decides it, so that an entry is either exactly the
answer or not found. See store.py for the folder and its entries."""
