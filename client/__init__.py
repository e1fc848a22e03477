"""What the command line, the HTTP service and the evaluator all show or wait for: one-line
error texts, a goal waited for, a goal's tree read from Temporal. Below all three; above
Temporal's client and relay's workflows, whose typed handles it reads."""
