"""The event dictionary (事件字典): four levels under five classes, versioned, with each leaf's
lead unit and clock policy (the duty map)."""
