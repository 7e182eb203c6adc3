"""FHIR R4 (4.0.1) export of a screening, built with fhir.resources' R4B models.

R4B changed nothing in Questionnaire, QuestionnaireResponse, Observation or Bundle
that this export uses, so its models stand in for R4. Everything comes from the
definitions a screening is pinned to: nothing here knows an instrument.
"""

from screener.fhir.bundle import bundle_for, bundle_of, to_json

__all__ = ["bundle_for", "bundle_of", "to_json"]
