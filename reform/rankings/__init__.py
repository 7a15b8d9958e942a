"""Leaders' rankings per block: live from the stored figures, or as published, updated live."""
