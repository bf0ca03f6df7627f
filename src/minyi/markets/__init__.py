"""Service markets (服务市集 / 党群服务赶圩日): events where departments and streets hold stalls in
a community, what people raise at each stall (cases on the market channel, policy questions
answered there, matters solved on the spot) and the figures of each event."""
