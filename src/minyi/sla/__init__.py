"""Clock policies and deadlines (民意速办). This first cut gives each case its final deadline and
marks breaches; milestone clocks with warnings and working-day calendars build on it."""
