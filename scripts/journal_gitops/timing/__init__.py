"""Times, durations and schedules as people write them, and the one clock of the tooling."""
