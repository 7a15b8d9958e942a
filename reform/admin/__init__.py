"""Managing units, blocks and users (admin and secretariat)."""
