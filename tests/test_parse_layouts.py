"""Unit tests per layout and language, on small pages written in the shapes the site uses."""

from __future__ import annotations

from fundatlas import parse_page
from fundatlas.model import Project

NAV_FR = "-\nQui sommes nous\n- Données et recherche\n- 2030 AGENDA\n"


def project_of(text: str) -> Project:
    result = parse_page(text)
    assert result.is_project, result.to_dict()
    assert result.project is not None
    return result.project


def test_fields_dash_french() -> None:
    text = NAV_FR + (
        "Mauritanie : Facilitation de l’inclusion\n-\nDate de début\n2023\n-\nDate de fin\n2025\n"
        "-\nStatut du projet\nActif\n-\nType de projet\nIntégration et cohésion sociale\n"
        "-\nBudget Amount (USD)\n300000.00\n-\nCouverture\nNational\n-\nAnnée\n2023\n-\nIDF Region\nAfrique\n"
        "-\nPrima ID\nMR10P0564\n-\nProjet ID\nIS.0133\n"
        "-\nEtat(s) membre(s) beneficiaires remplissant les conditions requises\nMauritanie\nLe projet vise.\n"
    )
    result = parse_page(text)
    assert result.source.lang == "fr" and result.source.layout == "fields"
    p = result.project
    assert p is not None
    assert (p.title, p.project_id, p.prima_id) == ("Mauritanie : Facilitation de l’inclusion", "IS.0133", "MR10P0564")
    assert (p.status, p.status_label, p.coverage, p.idf_region) == ("active", "Actif", "national", "africa")
    assert (p.project_type, p.budget_usd, p.year, p.start_year, p.end_year) == (
        "integration_social_cohesion",
        300000.0,
        2023,
        2023,
        2025,
    )
    assert [b.iso3 for b in p.beneficiaries] == ["MRT"]
    assert p.description == "Le projet vise."
    for name, span in p.provenance.items():
        assert 0 <= span.start < span.end <= len(text), name
    assert text[p.provenance["budget_usd"].start : p.provenance["budget_usd"].end] == "300000.00"
    assert text[p.provenance["beneficiaries"].start : p.provenance["beneficiaries"].end] == "Mauritanie"


def test_fields_bullets_english_labels() -> None:
    text = (
        "Enhancing Labour Mobility Governance in the Pacific\n\n  • Start Date\n    2023\n  • End Date\n    2024\n"
        "  • Project Status\n    Active\n  • Project Type\n    Labour Migration\n"
        "  • Budget Amount (USD)\n    400000.00\n  • Coverage\n    Regional\n  • Year\n    2022\n"
        "  • IDF Region\n    Asia and Oceania\n  • Prima ID\n    FJ10P0527\n"
        "  • Projects ID\n    LM.0485\n  • Benefiting Member States\n    Fiji Tuvalu Vanuatu\nOver the past decade.\n"
    )
    result = parse_page(text)
    assert result.source.lang == "en"
    p = result.project
    assert p is not None
    assert p.project_id == "LM.0485" and p.project_type == "labour_migration" and p.idf_region == "asia_oceania"
    assert [b.iso3 for b in p.beneficiaries] == ["FJI", "TUV", "VUT"]
    assert p.description == "Over the past decade."


def test_spanish_status_under_mislabelled_type_row() -> None:
    text = (
        "Fortalecimiento regional\n\n  • Fecha de inicio\n    2018\n  • Fecha de finalización\n    2024\n"
        "  • Tipo de proyecto\n    Finalizado\n"
        "  • Tipo de proyecto\n    Protección y asistencia a migrantes vulnerables\n"
        "  • Budget Amount (USD)\n    200000.00\n  • Cobertura geográfica\n    Regional\n  • Año\n    2018\n"
        "  • IDF Region\n    América Latina y el Caribe\n  • Proyecto ID\n    PX.0012\n"
        "  • Estados Miembros Beneficiarios que Reúnen los Requisitos\n"
        "    Belice Costa Rica República Dominicana (la) El Salvador\n\nDesde hace varias décadas.\n"
    )
    result = parse_page(text)
    assert result.source.lang == "es"
    p = result.project
    assert p is not None
    assert (p.status, p.status_label) == ("completed", "Finalizado")
    assert p.project_type == "protection_assistance_vulnerable_migrants"
    assert [b.iso3 for b in p.beneficiaries] == ["BLZ", "CRI", "DOM", "SLV"]


def test_spanish_lone_type_row_is_the_type_and_unknown_status_word_goes_first() -> None:
    lone = project_of("Título\n  • Tipo de proyecto\n    Migración laboral\n  • Año\n    2019\n")
    assert lone.project_type == "labour_migration" and lone.status is None
    two = project_of(
        "Título\n  • Tipo de proyecto\n    Suspendido\n  • Tipo de proyecto\n    Migración laboral\n  • Año\n    2019\n"
    )
    assert two.status_label == "Suspendido" and two.project_type == "labour_migration"


def test_labels_without_values_never_take_the_next_label_or_the_description() -> None:
    dash = project_of(
        "-\nWho we are\n- 2030 Agenda\nStrengthening Migration Management\n-\nStart Date\n-\nEnd Date\n"
        "-\nProject Status\n-\nProject Type\nMigration Policy Activities\n-\nIDF Region\n-\nProjects ID\n"
        "-\nBenefiting Member States\nThe project supports Ukraine in building capacities for migration "
        "management in line with EU standards, for two years.\n"
    )
    assert (dash.start_year, dash.end_year, dash.status, dash.idf_region, dash.project_id) == (None,) * 5
    assert dash.project_type_label == "Migration Policy Activities"
    assert dash.beneficiaries == []
    assert dash.description is not None and dash.description.startswith("The project supports Ukraine")
    bullets = project_of(
        "Migration Profile for Fiji\n\n  • Start Date\n  • End Date\n  • Project Type\n    Migration Research and "
        "Publication\n  • IDF Region\n  • Benefiting Member States\n\nFiji is a country of migration.\n"
    )
    assert bullets.idf_region is None and bullets.beneficiaries == []
    assert bullets.project_type == "migration_research"


def test_other_countries_row_is_not_eligible_and_glued_names_split() -> None:
    p = project_of(
        "Ouverture\n-\nCouverture\nRegional\n-\nOther Countries Benefiting at Time of Allocation\nChiliUruguay\n"
        "-\nProjet ID\nIB.0214\n-\nEtat(s) membre(s) beneficiaires remplissant les conditions requises\n"
        "Argentine Bolivie (État plurinational de) Venezuela (République bolivarienne du))\nTexte.\n"
    )
    assert [(b.iso3, b.eligible) for b in p.beneficiaries] == [
        ("CHL", False),
        ("URY", False),
        ("ARG", True),
        ("BOL", True),
        ("VEN", True),
    ]


def test_unknown_country_word_gives_a_warning_naming_it() -> None:
    result = parse_page(
        "T\n-\nCouverture\nRegional\n-\nProjet ID\nIS.0001\n"
        "-\nEtat(s) membre(s) beneficiaires remplissant les conditions requises\nFidji Atlantide Tonga\n"
    )
    assert result.project is not None
    assert [b.iso3 for b in result.project.beneficiaries] == ["FJI", "TON"]
    assert any("Atlantide" in w for w in result.warnings)


def test_country_listed_twice_is_kept_once_with_a_warning() -> None:
    result = parse_page(
        "T\n-\nCouverture\nRegional\n-\nProjet ID\nIS.0001\n"
        "-\nEtat(s) membre(s) beneficiaires remplissant les conditions requises\nFidji Tonga Fidji\n"
    )
    assert result.project is not None
    assert [b.iso3 for b in result.project.beneficiaries] == ["FJI", "TON"]
    assert any("twice" in w for w in result.warnings)


def test_table_layout_french() -> None:
    text = NAV_FR + (
        "Éléments d’innovation\n- Données, recherche et technologies\nÀ propos du projet\nCompte tenu des défis.\n"
        "INFORMATIONS SUR LE PROJET |\n---|\nMISSION: Argentine |\nANNÉE: 2021 |\n"
        "MONTANT DU FINANCEMENT:400 000 dollars É.-U. |\n"
        "PAYS BÉNÉFICIAIRES – États Membres Remplissant Les Conditions Requises: Argentine, Bolivie (État "
        "Plurinational De), Brésil; États Membres Ne Remplissant Pas Les Conditions Requises: Chili, Uruguay |\n"
        "DURÉE: 24 mois |\nCODE: IS.0077 |\n"
    )
    result = parse_page(text)
    assert (result.source.lang, result.source.layout) == ("fr", "table")
    p = result.project
    assert p is not None
    assert p.title is None  # the line after the navigation is a section heading
    assert (p.mission, p.year, p.budget_usd, p.duration_months, p.project_id) == ("ARG", 2021, 400000.0, 24, "IS.0077")
    assert [(b.iso3, b.eligible) for b in p.beneficiaries] == [
        ("ARG", True),
        ("BOL", True),
        ("BRA", True),
        ("CHL", False),
        ("URY", False),
    ]
    assert p.description == "Compte tenu des défis."


def test_table_layout_english_and_spanish_labels() -> None:
    en = project_of(
        "A Title\nPROJECT INFORMATION |\nMISSION: Ghana |\nYEAR: 2015 |\nFUNDING AMOUNT: USD 150,000 |\n"
        "BENEFICIARY COUNTRIES: Ghana, Togo |\nDURATION: 18 months |\nCODE: TC.0100 |\n"
    )
    assert (en.title, en.mission, en.year, en.budget_usd, en.duration_months) == ("A Title", "GHA", 2015, 150000.0, 18)
    assert [b.iso3 for b in en.beneficiaries] == ["GHA", "TGO"]
    es = project_of(
        "Un título\nINFORMACIÓN DEL PROYECTO |\nMISIÓN: Perú |\nAÑO: 2016 |\n"
        "MONTO DE LA FINANCIACIÓN: 200.000 dólares EE.UU. |\nPAÍSES BENEFICIARIOS: Perú; Chile |\n"
        "DURACIÓN: 2 años |\nCÓDIGO: PO.0050 |\n"
    )
    assert (es.mission, es.budget_usd, es.duration_months, es.project_id) == ("PER", 200000.0, 24, "PO.0050")


def test_values_layout_with_one_country_per_line() -> None:
    text = (
        "- About\n- Donate Now\nStrengthening Capacity\nStrengthening Capacity\nLatin America and the Caribbean\n"
        "MA.0293\n300,000\nEl Salvador\nHonduras\nGuatemala\nHealth Promotion and Assist for Migrants\nRegional\n"
        "Completed\nTo date, while each country has made progress.\n"
    )
    result = parse_page(text)
    assert result.source.layout == "values"
    p = result.project
    assert p is not None
    assert (p.title, p.project_id, p.budget_usd, p.coverage, p.status) == (
        "Strengthening Capacity",
        "MA.0293",
        300000.0,
        "regional",
        "completed",
    )
    assert [b.iso3 for b in p.beneficiaries] == ["SLV", "HND", "GTM"]
    assert p.project_type_label == "Health Promotion and Assist for Migrants"
    assert p.description == "To date, while each country has made progress."


def test_values_layout_takes_its_language_from_the_site_navigation() -> None:
    nav = "".join(
        f"- {item}\n"
        for item in [
            "A propósito del Fondo",
            "Apoyo",
            "Directrices para los proyectos",
            "Cómo solicitar financiamiento al Fondo de la OIM para el Desarrollo",
            "Noticias",
            "Contáctenos",
            "Donar",
        ]
    )
    text = nav + (
        "Mapping the Diaspora\nMapping the Diaspora\nLatin America and the Caribbean\nCE.0231\n100,000\n"
        "Jamaica\nCommunity and Economic Development\nNational\nCompleted\nDespite the efforts of the "
        "government, there is a lack of data on the diaspora and their skills for the country.\n"
    )
    assert parse_page(text).source.lang == "es"


def test_not_a_project_page() -> None:
    result = parse_page(
        "Que fait le Fonds de l’OIM pour le développement ?\n\nLe Fonds est une source de "
        "financement unique en son genre pour les États Membres.\n"
    )
    assert result.to_dict()["project"] is None
    assert result.is_project is False and result.source.layout is None and result.errors == []
    assert result.source.lang == "fr"


def test_inline_labels() -> None:
    p = project_of(
        "Some Title\nStart Date 2020\nEnd Date: 2022\nProject Status Completed\n"
        "Budget Amount (USD): USD 1,250,000\nBenefiting Member States: Kenya, Uganda and Tanzania\n"
    )
    assert (p.start_year, p.end_year, p.status, p.budget_usd) == (2020, 2022, "completed", 1250000.0)
    assert [b.iso3 for b in p.beneficiaries] == ["KEN", "UGA", "TZA"]


def test_truncated_page_gives_what_it_has_and_a_warning() -> None:
    result = parse_page("Titre\n-\nDate de début\n2023\n-\nDate de fin\n2025\n-\nStatut du projet\n")
    assert result.is_project and result.project is not None
    assert (result.project.start_year, result.project.end_year, result.project.status) == (2023, 2025, None)
    assert any("cut short" in w for w in result.warnings)


def test_truncated_type_label_matches_by_prefix() -> None:
    p = project_of(
        "T\n  • Tipo de proyecto\n    Finalizado\n  • Tipo de proyecto\n"
        "    Cooperación técnica en gestión de la migración y creación de capac\n  • Año\n    2013\n"
    )
    assert p.project_type == "tcmmcb"
    assert p.project_type_label == "Cooperación técnica en gestión de la migración y creación de capac"
