"""Clocks (民意速办): clock policies as versioned data, business calendars with China's holidays,
durable clock rows with warning and breach firing, pause/resume and extensions."""
