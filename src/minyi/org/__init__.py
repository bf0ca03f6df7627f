"""The district's units (area tree, departments, sites), its staff, their roles and leaders' areas."""
