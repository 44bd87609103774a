from django.shortcuts import render


def lockout(request, credentials=None, *args, **kwargs):
    """Shown by django-axes when an (account, IP) pair is locked."""
    return render(request, "account/lockout.html", status=429)
