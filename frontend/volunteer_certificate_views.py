"""Volunteer service certificates (志愿服务证明) on the public site.

- ``/certificates/``: anyone types a certificate number and is taken to its check page;
- ``/certificates/<number>/``: the public check page, masked data only, or a 404 page saying
  that no such certificate exists;
- ``/certificates/mine/``: a volunteer's own certificates and the form to issue a new one;
- ``/certificates/<number>/download/``: the PDF, for the certificate's owner only.

Thin: parse, call a selector or ``services.certificate_issue``, render.
"""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.core.exceptions import DomainError, NotFound
from marketplace.volunteers import selectors, services
from marketplace.volunteers.certificates import render_pdf

from .organization_forms import apply_domain_error


class CertificateLookupForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("证明编号"),
        max_length=40,
        help_text=gettext_lazy("证明右上方或二维码下方的编号,如 TH-2026-000123。"),
    )

    def clean_number(self):
        number = selectors.certificate_number_normalised(self.cleaned_data["number"])
        if number is None:
            raise forms.ValidationError(gettext_lazy("证明编号格式不正确,应如 TH-2026-000123。"))
        return number


class CertificateIssueForm(forms.Form):
    period_start = forms.DateField(
        label=gettext_lazy("服务期间起"), widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=gettext_lazy("服务期间止"), widget=forms.DateInput(attrs={"type": "date"})
    )


def certificate_lookup(request):
    form = CertificateLookupForm(request.GET or None)
    if form.is_valid():
        return redirect("certificates:check", number=form.cleaned_data["number"])
    return render(request, "volunteers/certificate_lookup.html", {"form": form})


def certificate_check(request, number: str):
    certificate = selectors.certificate_public(number)
    if certificate is None:
        return render(
            request,
            "volunteers/certificate_not_found.html",
            {"number": number[:40], "form": CertificateLookupForm()},
            status=404,
        )
    if certificate.number != number:
        return redirect("certificates:check", number=certificate.number)
    response = render(request, "volunteers/certificate_check.html", {"certificate": certificate})
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
def certificate_mine(request):
    volunteer = selectors.volunteer_for_user(request.user)
    form = None
    if volunteer is not None:
        if request.method == "POST":
            form = CertificateIssueForm(request.POST)
            if form.is_valid():
                try:
                    certificate = services.certificate_issue(
                        actor=request.user,
                        volunteer=volunteer,
                        period_start=form.cleaned_data["period_start"],
                        period_end=form.cleaned_data["period_end"],
                    )
                except DomainError as exc:
                    apply_domain_error(form, exc)
                else:
                    messages.success(request, _("证明 %(n)s 已出具,请下载 PDF。") % {"n": certificate.number})
                    return redirect("certificates:mine")
        else:
            today = timezone.localdate()
            form = CertificateIssueForm(
                initial={"period_start": datetime.date(today.year, 1, 1), "period_end": today}
            )
    return render(
        request,
        "volunteers/certificate_mine.html",
        {
            "volunteer": volunteer,
            "form": form,
            "certificates": selectors.my_certificates(viewer=request.user),
            "totals": selectors.volunteer_totals(volunteer=volunteer) if volunteer else None,
        },
    )


@login_required
def certificate_download(request, number: str):
    try:
        certificate = selectors.certificate_for_owner(viewer=request.user, number=number)
    except NotFound as exc:
        raise Http404 from exc
    response = HttpResponse(render_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
