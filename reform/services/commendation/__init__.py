"""Use cases of commendation: the catalogue, initiatives, the award register, eligibility."""
