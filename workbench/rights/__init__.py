"""Rights holders' registry of characters, marks and styles and how they may be used."""
