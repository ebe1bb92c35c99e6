"""Release gates: freezes, promotion order, minimum soak and rollbacks, as the commands that
change an environment and `gitops gate` ask them (checks.py). What gitops.yaml records of them
is in config/gates.py."""
