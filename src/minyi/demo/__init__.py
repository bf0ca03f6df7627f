"""Generated demo district: an invented 区 with its units, staff and event dictionary."""
