from django.shortcuts import render


def lockout(request, original_response=None, credentials=None):
    """Shown by django-axes (AXES_LOCKOUT_CALLABLE) when an (account, IP) pair is locked."""
    return render(request, "account/lockout.html", status=429)
