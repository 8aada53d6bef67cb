"""The audit's reading of a Lighthouse report: scores per category and the audits that lost points."""

from audits.lighthouse import TARGETS, lost_points, scores


def report(**category_scores):
    return {
        "categories": {
            key: {
                "score": category_scores.get(key.replace("-", "_"), 1),
                "auditRefs": [{"id": "meta-description", "weight": 1}, {"id": "unweighted", "weight": 0}],
            }
            for key in TARGETS
        },
        "audits": {
            "meta-description": {"score": 0, "title": "Document does not have a meta description", "displayValue": ""},
            "unweighted": {"score": 0, "title": "Informative only"},
        },
    }


def test_scores_are_whole_percentages_per_category():
    assert scores(report(performance=0.894, seo=None)) == {
        "performance": 89,
        "accessibility": 100,
        "best-practices": 100,
        "seo": 0,
    }


def test_lost_points_lists_the_weighted_audits_that_failed():
    assert lost_points(report(seo=0.9), "seo") == [
        "    seo: meta-description (0.00) Document does not have a meta description"
    ]
