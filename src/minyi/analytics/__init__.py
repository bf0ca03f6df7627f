"""Analytics: hotspots, early warning, class governance, unit assessment."""
