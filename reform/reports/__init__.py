"""Official outputs of a campaign's results: Excel, CSV and the printable/PDF reports."""
