"""The one privacy policy: per reader and case, which of the complainant's personal data each
outlet shows in clear, masked or not at all, and the masker for personal data in free text."""
