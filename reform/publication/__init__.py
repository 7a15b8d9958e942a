"""Survey points, closing appraisal, publication, the public results pages and appeals."""
