"""Campaign set-up and the secretariat's overview."""
