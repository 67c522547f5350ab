"""任务、事件、报表: the lists of the township's work (the full desks come with part 2 of the client)."""
