"""Grid and party coverage (党建覆盖, 包路进楼联户, 七有网格): the roads and buildings below each grid,
who covers them (grid workers, party members and cadres sent down to a community, party
branches), the patrols that visit them, and the coverage gaps that follow."""
