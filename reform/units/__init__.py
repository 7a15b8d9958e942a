"""Unit pages seen by staff and by the unit's own people."""
