"""How the tooling changes the repository: every command that commits goes through delivery.py
(plan on a tree, write all or nothing, verify, commit, push); branch_move.py moves the current
branch crash-safely, pending.py finds a move to finish, checkpoints.py names the points where a
crash matters."""
