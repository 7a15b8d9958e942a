"""The unit's self-assessment form, its evidence, its check list and its report."""
