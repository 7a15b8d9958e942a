"""What-if: a campaign ranked under another framework version, weights or bands."""
