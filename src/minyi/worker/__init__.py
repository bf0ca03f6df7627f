"""The clock worker: runs the registered jobs in a loop, one transaction per job run."""
