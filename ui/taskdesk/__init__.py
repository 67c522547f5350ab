"""任务: the task inbox (条→块) with its detail panel and the department task form."""
