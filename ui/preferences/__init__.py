"""设置: the settings page (language, server and account, preferences). (ui/settings.py holds the typed settings themselves.)"""
