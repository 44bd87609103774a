def axes_username(request, credentials=None) -> str:
    """allauth authenticates with email=..., phone=... or username=...; lock on whichever."""
    credentials = credentials or {}
    for key in ("email", "phone", "username"):
        if credentials.get(key):
            return str(credentials[key]).strip().lower()
    return (request.POST.get("login", "") if request is not None else "").strip().lower()
