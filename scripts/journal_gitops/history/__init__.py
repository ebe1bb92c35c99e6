"""What the repository's history says: the trailers the tooling writes in commit messages
(trailers.py), one walk over an environment's history (walker.py) and what `gitops history`
shows of it (entries.py), the two sides of a change (revisions.py), the app commits a move
carries (changelog.py), and how shas are written short (shas.py)."""
