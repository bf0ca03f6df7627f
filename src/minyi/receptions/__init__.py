"""Leaders' receptions (下沉接访 / 领导接访日): a leader receives citizens on a scheduled day at a
service hall, in time slots citizens book on the portal or walk into; each matter raised becomes
a case on the reception channel, held or followed by that leader, with home visits (家访) after."""
