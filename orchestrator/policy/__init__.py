"""Choice policies: which channel, which hour — inside what the compliance engine allows."""
