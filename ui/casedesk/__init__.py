"""事件: the case desk with its queues, workflow buttons, joint handling and the new-case form."""
