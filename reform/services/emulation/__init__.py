"""Use cases of emulation: movements, clusters, pledges, registration and the vote."""
