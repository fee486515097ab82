"""The rollout engine: waves, checks, confirm or roll back; targets from the lab or the environment."""
