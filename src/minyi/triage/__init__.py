"""Intelligent triage (智能分拨): classify an appeal into the event dictionary, find its place,
recommend units, link repeats and crowds, flag risks, keep complaints from the accused, and
check replies before they close a case."""
