"""Joint meetings (区信联办会议 / 街道信访工作联席会议): a meeting of member units takes hard cases
on its agenda, decides each one, and gives named units tasks with clocks (the supervision task
mechanism, so the work lands in the unit's own to-do list); the minutes export as a document."""
