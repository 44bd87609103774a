"""Evaluation and award in the back office.

On a project's page (the buying street; the district reads, and answers objections): the
appointed evaluators and how far each has got, the opened bids with "认定无效", the ranking or
the published result, and the objections with their answers. The moves themselves (完成评审,
确定拟中标人, 开始公示, 确认中标) are lifecycle buttons wired in ``viewsets``.

"我的评审" is the evaluators' own corner: only the projects they are appointed to
(``selectors.evaluator_projects``; any other is a 404), the declaration of no conflict of
interest, then one scoring screen per opened bid. A bid's contents reach an evaluator only
through ``selectors.bid_contents``, which writes each read to the audit trail.
"""

from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from marketplace.core.admin_views import ObjectFormView, local_display, move_buttons
from marketplace.core.exceptions import DomainError, NotFound
from marketplace.core.money import format_yuan
from marketplace.core.permissions import can

from . import forms, ranking, selectors, services, transitions
from .admin_common import EVALUATION_NS, PROJECT_NS, bid_for_staff, objection_for_staff, project_for_staff
from .choices import BidStatus, ProjectStatus
from .models import Bid, BidResult, ConflictDeclaration, Score

BID_MOVES = {"disqualify": (services.bid_disqualify, forms.ReasonForm)}
# How many missing items the project's page lists before it says "and N more".
MISSING_SHOWN = 10
# After the deadline and before the ranking: who evaluates, and how far they have got.
EVALUATION_STATUSES = frozenset({ProjectStatus.BIDDING_CLOSED, ProjectStatus.OPENED})
STAFF_RANKING_STATUSES = frozenset({ProjectStatus.EVALUATED, ProjectStatus.AWARD_PROPOSED})


# --- the project's page (street and district) -------------------------------------------------
def _evaluator_rows(project, bids: list) -> list[dict]:
    evaluators = list(selectors.project_evaluators(project))
    declared = set(
        ConflictDeclaration.objects.filter(project=project, evaluator__in=evaluators).values_list(
            "evaluator_id", flat=True
        )
    )
    scored = dict(
        Score.objects.filter(bid__in=bids, criterion__is_price=False, evaluator__in=evaluators)
        .values("evaluator_id")
        .annotate(n=Count("pk"))
        .values_list("evaluator_id", "n")
    )
    needed = len(bids) * project.criteria.filter(is_price=False).count()
    return [
        {
            "name": e.display_label,
            "phone": e.masked_phone,
            "declared": e.pk in declared,
            "scored": scored.get(e.pk, 0),
            "needed": needed,
        }
        for e in evaluators
    ]


def _staff_ranking(project) -> list[dict]:
    """The computed ranking for the street before it is published (公示)."""
    results = BidResult.objects.filter(bid__project=project).select_related("bid__organization")
    return [
        {
            "rank": r.rank,
            "organization": r.bid.organization.name,
            "price": format_yuan(r.bid.price_fen),
            "price_score": ranking.format_milli(r.price_score_milli),
            "other_score": ranking.format_milli(r.other_score_milli),
            "total": ranking.format_milli(r.total_score_milli),
            "proposed": r.bid_id == project.awarded_bid_id,
            "disqualified": False,
        }
        for r in results.order_by("rank")
    ]


def _published_ranking(project) -> list[dict]:
    result = selectors.project_result_public(project)
    return [
        {
            "rank": row["rank"],
            "organization": row["organization"],
            "price": format_yuan(row["price_fen"]) if row["price_fen"] is not None else "—",
            "price_score": ranking.format_milli(row["price_score_milli"])
            if row["price_score_milli"] is not None
            else "—",
            "other_score": ranking.format_milli(row["other_score_milli"])
            if row["other_score_milli"] is not None
            else "—",
            "total": ranking.format_milli(row["total_score_milli"])
            if row["total_score_milli"] is not None
            else "—",
            "proposed": row["won"],
            "disqualified": row["disqualified"],
        }
        for row in result.get("bidders", [])
    ]


def evaluation_context(project, user) -> dict:
    """The evaluation part of a project's page, in a constant number of queries."""
    status = project.status
    opened = status in selectors.OPENED_STATUSES
    bids = (
        list(
            project.bids.filter(status__in=selectors.OPENED_BID_STATUSES)
            .select_related("organization", "project")
            .order_by("pk")
        )
        if opened
        else []
    )
    # Bid moves (认定无效) only while the evaluation runs: the service refuses them later.
    bid_rows = [
        {
            "organization": b.organization.name,
            "status": b.get_status_display(),
            "price": format_yuan(b.price_fen) if b.price_fen is not None else "—",
            "moves": move_buttons(
                transitions.BID.available(b, user), BID_MOVES, namespace=PROJECT_NS, obj=b, url_prefix="bid_"
            )
            if status == ProjectStatus.OPENED
            else [],
        }
        for b in bids
    ]
    evaluating = status in EVALUATION_STATUSES
    opened_bids = [b for b in bids if b.status == BidStatus.OPENED]
    missing = selectors.evaluation_missing(project) if status == ProjectStatus.OPENED else []
    if status in STAFF_RANKING_STATUSES:
        ranking_rows, ranking_published = _staff_ranking(project), False
    elif status in selectors.RESULT_PUBLIC_STATUSES:
        ranking_rows, ranking_published = _published_ranking(project), True
    else:
        ranking_rows, ranking_published = [], False
    objections = [
        {
            "objection": o,
            "resolve_url": reverse(f"{PROJECT_NS}:resolve_objection", args=[o.pk])
            if transitions.OBJECTION.available(o, user)
            else None,
        }
        for o in project.objections.select_related("organization", "project").order_by("submitted_at", "pk")
    ]
    return {
        "bids": bid_rows,
        "show_evaluation": evaluating or bool(ranking_rows) or bool(project.evaluation_report),
        "evaluators": _evaluator_rows(project, opened_bids) if evaluating or opened else [],
        "appoint_url": reverse(f"{PROJECT_NS}:appoint_evaluator", args=[project.pk])
        if evaluating and can(user, "procurement.evaluator.appoint", project)
        else None,
        "missing": missing[:MISSING_SHOWN],
        "missing_more": max(len(missing) - MISSING_SHOWN, 0),
        "ranking": ranking_rows,
        "ranking_published": ranking_published,
        "publicity_ends_at": local_display(project.publicity_ends_at) if project.publicity_ends_at else "",
        "objections": objections,
    }


class AppointEvaluatorView(ObjectFormView):
    form_class = forms.EvaluatorAppointForm
    page_title = _("指派评审专家")
    intro = _("评审专家只能看到本项目;须先作无利害关系声明才能评分。在投标组织任职的人员不能参与评审。")
    submit_label = _("指派")

    def call_service(self, form):
        self.appointed = form.cleaned_data["contact"]
        services.evaluator_appoint(actor=self.request.user, project=self.object, user=self.appointed)

    def get_success_message(self):
        return str(_("已指派 %(name)s 为评审专家。") % {"name": self.appointed.display_label})


class ObjectionResolveView(ObjectFormView):
    form_class = forms.ObjectionResolveForm
    page_title = _("处理质疑")
    submit_label = _("提交处理结果")
    success_message = _("质疑已处理,已通知质疑人。")
    return_pk_attr = "project_id"

    def get_page_subtitle(self):
        return str(self.object.project)

    @property
    def intro(self):
        return _("%(org)s 的质疑:%(text)s") % {"org": self.object.organization.name, "text": self.object.text}

    def call_service(self, form):
        services.objection_resolve(
            actor=self.request.user,
            objection=self.object,
            upheld=form.cleaned_data["upheld"],
            response=form.cleaned_data["response"],
        )


def project_urlpatterns(viewset) -> list:
    """The evaluation routes under the projects' viewset."""
    inspect = viewset.get_url_name("inspect")
    return [
        path(
            "appoint_evaluator/<int:pk>/",
            viewset.construct_view(AppointEvaluatorView, finder=project_for_staff, return_url_name=inspect),
            name="appoint_evaluator",
        ),
        path(
            "resolve_objection/<int:pk>/",
            viewset.construct_view(ObjectionResolveView, finder=objection_for_staff, return_url_name=inspect),
            name="resolve_objection",
        ),
        *viewset.move_urlpatterns(
            BID_MOVES,
            finder=bid_for_staff,
            lifecycle=transitions.BID,
            object_kwarg="bid",
            prefix="bid-",
            return_pk_attr="project_id",
        ),
    ]


# --- 我的评审 (evaluators) ----------------------------------------------------------------------
def evaluator_project(user, project_id):
    return selectors.evaluator_projects(user).filter(pk=project_id).first()


def evaluator_bid(user, bid_id):
    """An opened bid of a project the user evaluates, else None."""
    bid = Bid.objects.select_related("project", "organization").filter(pk=bid_id).first()
    if bid is None or bid.status not in selectors.OPENED_BID_STATUSES:
        return None
    if not selectors.evaluator_projects(user).filter(pk=bid.project_id).exists():
        return None
    return bid


def _may_evaluate(user) -> bool:
    return can(user, "procurement.evaluation.score")


class EvaluatorMenuItem(MenuItem):
    def is_shown(self, request):
        return _may_evaluate(request.user)


class _EvaluatorPage(WagtailAdminTemplateMixin, TemplateView):
    header_icon = "tasks"

    def dispatch(self, request, *args, **kwargs):
        if not _may_evaluate(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def index_crumb(self):
        return {"url": reverse(f"{EVALUATION_NS}:index"), "label": _("我的评审")}


class MyEvaluationsView(_EvaluatorPage):
    template_name = "procurement/admin/my_evaluations.html"
    page_title = _("我的评审")

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        rows = [
            {
                "project": p,
                "url": reverse(f"{EVALUATION_NS}:project", args=[p.pk]),
                "opened_at": local_display(p.opened_at),
            }
            for p in selectors.evaluator_projects(self.request.user)
        ]
        return super().get_context_data(rows=rows, **kwargs)


class EvaluationProjectView(_EvaluatorPage):
    template_name = "procurement/admin/evaluation_project.html"
    page_title = _("项目评审")

    @cached_property
    def project(self):
        found = evaluator_project(self.request.user, self.kwargs["pk"])
        if found is None:
            raise Http404
        return found

    def get_page_subtitle(self):
        return self.project.title

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [self.index_crumb(), {"url": "", "label": self.project.title}]

    def get_context_data(self, **kwargs):
        project, user = self.project, self.request.user
        criteria = list(project.criteria.filter(is_price=False).order_by("sort_order", "pk"))
        opened = project.status in selectors.OPENED_STATUSES
        bids = (
            list(project.bids.filter(status=BidStatus.OPENED).select_related("organization").order_by("pk"))
            if opened
            else []
        )
        mine = {
            (s.bid_id, s.criterion_id): s.value
            for s in Score.objects.filter(bid__in=bids, evaluator=user, criterion__in=criteria)
        }
        scoring = project.status == ProjectStatus.OPENED
        rows = [
            {
                "organization": b.organization.name,
                "price": format_yuan(b.price_fen) if b.price_fen is not None else "—",
                "scores": [mine.get((b.pk, c.pk), "—") for c in criteria],
                "url": reverse(f"{EVALUATION_NS}:score", args=[b.pk]) if project.declared else None,
            }
            for b in bids
        ]
        return super().get_context_data(
            project=project,
            criteria=criteria,
            all_criteria=list(project.criteria.order_by("sort_order", "pk")),
            rows=rows,
            opened=opened,
            scoring=scoring,
            declare_url=reverse(f"{EVALUATION_NS}:declare", args=[project.pk])
            if scoring and not project.declared
            else None,
            **kwargs,
        )


class _EvaluatorFormMixin:
    """Form views of "我的评审": no model permission (an evaluator holds none over projects);
    the finder keeps them to the user's own projects."""

    model = None
    any_permission_required = None
    header_icon = "tasks"

    def dispatch(self, request, *args, **kwargs):
        if not _may_evaluate(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(f"{EVALUATION_NS}:index"), "label": _("我的评审")},
            {"url": self.get_return_url(), "label": self.get_page_subtitle()},
            {"url": "", "label": self.get_page_title()},
        ]


class DeclareView(_EvaluatorFormMixin, ObjectFormView):
    form_class = forms.DeclarationForm
    finder = staticmethod(evaluator_project)
    return_url_name = f"{EVALUATION_NS}:project"
    page_title = _("无利害关系声明")
    intro = _("评审前须声明与投标组织无利害关系。您在任何投标组织担任职务的,应当回避,系统将拒绝声明。")
    submit_label = _("提交声明")
    success_message = _("声明已提交,可以开始评分。")

    def call_service(self, form):
        services.conflict_declare(
            actor=self.request.user, project=self.object, statement=form.cleaned_data["statement"]
        )


class ScoreView(_EvaluatorFormMixin, ObjectFormView):
    template_name = "procurement/admin/score_form.html"
    form_class = forms.ScoreForm
    finder = staticmethod(evaluator_bid)
    return_url_name = f"{EVALUATION_NS}:project"
    return_pk_attr = "project_id"
    page_title = _("评分")
    submit_label = _("保存评分")
    success_message = _("评分已保存。")

    def get_page_subtitle(self):
        return str(self.object.project)

    def _declared(self) -> bool:
        return ConflictDeclaration.objects.filter(
            project_id=self.object.project_id, evaluator=self.request.user
        ).exists()

    def get(self, request, *args, **kwargs):
        if not self._declared():
            messages.error(request, _("请先作无利害关系声明,再查看投标内容和评分。"))
            return redirect(self.get_return_url())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        try:
            contents = selectors.bid_contents(viewer=self.request.user, bid=self.object)
        except NotFound:
            raise Http404 from None
        price = contents.get("price_fen")
        return super().get_context_data(
            bid=self.object,
            organization=self.object.organization.name,
            price=format_yuan(price) if isinstance(price, int) else "—",
            proposal=contents.get("proposal", ""),
            team=contents.get("team", ""),
            attachments=[
                {**f, "url": reverse("frontend:private_file", args=[f["id"]])}
                for f in contents.get("attachments") or []
            ],
            scoring=self.object.project.status == ProjectStatus.OPENED,
            **kwargs,
        )

    def call_service(self, form):
        # One score per criterion, each through the service, all in the view's one transaction:
        # a refused score leaves none of the others saved.
        for criterion, value, comment in form.rows():
            try:
                services.score_record(
                    actor=self.request.user,
                    bid=self.object,
                    criterion=criterion,
                    value=value,
                    comment=comment,
                )
            except DomainError as exc:
                exc.field = form.field_for(criterion, exc.field)
                raise


class EvaluatorViewSet(ViewSet):
    name = EVALUATION_NS
    url_prefix = "procurement/my-evaluations"
    icon = "tasks"
    menu_label = _("我的评审")
    menu_order = 215
    add_to_admin_menu = True
    menu_item_class = EvaluatorMenuItem

    def get_urlpatterns(self):
        return [
            path("", MyEvaluationsView.as_view(), name="index"),
            path("project/<int:pk>/", EvaluationProjectView.as_view(), name="project"),
            path("declare/<int:pk>/", self.construct_view(DeclareView), name="declare"),
            path("score/<int:pk>/", self.construct_view(ScoreView), name="score"),
        ]
