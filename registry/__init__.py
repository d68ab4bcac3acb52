"""CAR-T outcomes registry."""
