"""The council's appraisal page and the explanation round trip."""
