"""The fixed texts of the comparison PDF, Swedish first, English second.

One table, looked up with :func:`label`; a text missing in a language is a
programming error and fails loudly rather than printing a key.
"""

from __future__ import annotations

__all__ = ["LANGUAGES", "label", "percent", "number", "score"]

LANGUAGES = ("sv", "en")

_TEXTS: dict[str, tuple[str, str]] = {
    # cover
    "title.pathway": ("Patienters upplevelse av vårdförloppet", "Patients' experience of the care pathway"),
    "title.region": ("Patienters upplevelse av vårdförloppen i regionen", "Patients' experience of the care pathways in the region"),
    "title.national": ("Patienters upplevelse av vårdförloppen – nationell översikt", "Patients' experience of the care pathways – national overview"),
    "subtitle.pathway": ("Jämförelse mellan regioner", "Comparison between regions"),
    "subtitle.region": ("Jämförelse mellan vårdförlopp", "Comparison between care pathways"),
    "subtitle.national": ("Jämförelse mellan vårdförlopp, hela landet", "Comparison between care pathways, whole country"),
    "cover.round": ("Undersökningsomgång", "Survey round"),
    "cover.pathways": ("Vårdförlopp", "Care pathways"),
    "cover.regions": ("Regioner", "Regions"),
    "cover.fieldwork": ("Fältperiod", "Fieldwork"),
    "cover.questionnaire": ("Enkät", "Questionnaire"),
    "cover.created": ("Rapporten skapad", "Report created"),
    "cover.not_stated": ("uppgift saknas", "not stated"),
    "cover.all_regions": ("alla 21 regioner", "all 21 regions"),
    "cover.no_free_text": (
        "Rapporten innehåller inga fritextsvar. De granskas först och lämnas ut separat till den som får läsa dem.",
        "This report contains no free-text answers. They are reviewed first and released separately to those who may read them.",
    ),
    "author": ("prem", "prem"),
    # running parts
    "page": ("Sida {page} av {pages}", "Page {page} of {pages}"),
    # summary
    "summary": ("Sammanfattning", "Summary"),
    "summary.intro": (
        "Resultat 0–100 per dimension (högre är bättre), justerade för skillnader i patientsammansättning och "
        "jämförda med riket. Markeringen visar om resultatet med 95 % säkerhet är bättre eller sämre än rikets.",
        "Results 0–100 per dimension (higher is better), adjusted for differences in case mix and compared with the "
        "national value. The marker shows whether the result is better or worse than the national value with 95 % confidence.",
    ),
    "summary.intro_national": (
        "Viktade resultat 0–100 per dimension (högre är bättre) för varje vårdförlopp i hela landet, och rikets värde för alla "
        "vårdförlopp tillsammans. Vårdförloppen har olika patienter och visas därför utan markering för bättre eller sämre.",
        "Weighted results 0–100 per dimension (higher is better) for each care pathway in the whole country, and the national "
        "value for all pathways together. The pathways treat different patients and are therefore shown without better/worse markers.",
    ),
    "summary.rate": ("Svarsfrekvens", "Response rate"),
    "summary.national": ("Riket", "National"),
    "summary.national_all": ("Riket, alla vårdförlopp", "National, all pathways"),
    "band.better": ("bättre än riket", "better than national"),
    "band.as_expected": ("som förväntat", "as expected"),
    "band.worse": ("sämre än riket", "worse than national"),
    "band.none": ("ingen jämförelse", "no comparison"),
    # suppression
    "suppressed.too_few_respondents": ("färre än {n} svar", "fewer than {n} responses"),
    "suppressed.no_respondents": ("inga svar", "no responses"),
    "suppressed.model_failed": ("kunde inte justeras", "could not be adjusted"),
    "suppressed.other": ("visas inte", "not shown"),
    "suppressed.list": ("Visas inte", "Not shown"),
    # dimensions
    "dimension.chart": (
        "Resultat 0–100 med 95 % konfidensintervall, sorterat från högst till lägst. Streckad linje: riket.",
        "Result 0–100 with 95 % confidence interval, sorted from highest to lowest. Dashed line: national value.",
    ),
    "dimension.chart_refs": (
        "Resultat 0–100 med 95 % konfidensintervall. Streck på varje rad: rikets värde för samma vårdförlopp.",
        "Result 0–100 with 95 % confidence interval. Tick on each row: the national value for the same pathway.",
    ),
    "dimension.items": ("Frågor i dimensionen: andel positiva svar (%)", "Items in the dimension: share of positive answers (%)"),
    "items.note": (
        "Andel positiva svar bland dem som besvarat frågan; svaret ”Vet inte / Inte aktuellt” räknas inte.",
        "Share of positive answers among those who answered the item; ‘Don't know / Not applicable’ is not counted.",
    ),
    "col.region": ("Region", "Region"),
    "col.pathway": ("Vårdförlopp", "Care pathway"),
    "col.respondents": ("Svar (n)", "Answers (n)"),
    "col.ci": ("95 % KI", "95 % CI"),
    "col.comparison": ("Jämfört med riket", "Compared with national"),
    "col.share": ("Andel positiva", "Share positive"),
    "col.item": ("Fråga", "Item"),
    # response
    "response": ("Svarsfrekvens och vilka som svarade", "Response rates and who responded"),
    "response.intro": (
        "Utfall per region eller vårdförlopp. RR1 = fullständiga svar / alla utom de som inte tillhör populationen. "
        "Justerad svarsfrekvens = fullständiga svar / (inbjudna − ej i populationen − okänd adress). Definitioner i metodbilagan.",
        "Outcome per region or pathway. RR1 = complete responses / all except those outside the population. Adjusted rate = "
        "complete / (invited − ineligible − undeliverable). Definitions in the method appendix.",
    ),
    "col.invited": ("Inbjudna", "Invited"),
    "disposition.complete": ("Fullständiga", "Complete"),
    "disposition.partial": ("Delvis", "Partial"),
    "disposition.refusal": ("Avböjt", "Refused"),
    "disposition.no_response": ("Ej svar", "No response"),
    "disposition.screened_out": ("Ej aktuell", "Screened out"),
    "disposition.deceased": ("Avliden", "Deceased"),
    "disposition.undeliverable": ("Okänd adress", "Undeliverable"),
    "col.rr1": ("RR1 %", "RR1 %"),
    "col.adjusted": ("Justerad %", "Adjusted %"),
    "total": ("Totalt", "Total"),
    "profile": ("Vilka svarade? Kön och ålder jämfört med urvalet", "Who responded? Sex and age compared with the sample"),
    "profile.intro": (
        "Inbjudna, fullständiga svar och svarsfrekvens per kön och åldersgrupp, och gruppens andel av populationen (urvalsramen) "
        "jämfört med dess andel av de svarande. Små antal (1–4) är dolda tillsammans med nästa minsta cell.",
        "Invited, complete responses and response rate by sex and age group, and the group's share of the population (the frame) "
        "against its share of the respondents. Small counts (1–4) are masked together with the next smallest cell.",
    ),
    "col.rate": ("Svarsfrekvens %", "Response rate %"),
    "col.frame_share": ("Andel av populationen %", "Share of population %"),
    "col.respondent_share": ("Andel av de svarande %", "Share of respondents %"),
    "variable.sex": ("Kön", "Sex"),
    "variable.age_group": ("Åldersgrupp", "Age group"),
    "sex.K": ("Kvinnor", "Women"),
    "sex.M": ("Män", "Men"),
    "masked": ("dolt", "masked"),
    # care plan
    "care_plan": ("Den individuella vårdplanen", "The individual care plan"),
    "care_plan.intro": (
        "Pilotomgången pekade ut den skriftliga individuella vårdplanen som ett förbättringsområde. "
        "Här redovisas frågan för sig: andel som svarat ja, med 95 % konfidensintervall.",
        "The pilot round singled out the written individual care plan as an area for improvement. "
        "The item is reported here on its own: share answering yes, with 95 % confidence interval.",
    ),
    "care_plan.chart": (
        "Andel positiva svar (%) med 95 % konfidensintervall. Streckad linje: riket.",
        "Share of positive answers (%) with 95 % confidence interval. Dashed line: national value.",
    ),
    # appendix
    "method": ("Metodbilaga", "Method appendix"),
    "method.sampling": ("Urval", "Sampling"),
    "method.sampling_text": (
        "Urvalsramen drogs ur regionernas registeruttag med en versionshanterad regelfil per vårdförlopp, samma för alla regioner. "
        "Varje steg nedan är räknat i flödesrapporten: personer med vårdkontakt som uppfyller vårdförloppets diagnoskriterier, "
        "populationskriterierna, avlidna, skyddad identitet, saknad adress, nyligen tillfrågade och redan dragna för ett annat vårdförlopp. "
        "Ur den berättigade populationen N<sub>h</sub> i varje stratum (vårdförlopp × region) drogs ett obundet slumpmässigt urval n<sub>h</sub>.",
        "The sampling frame was drawn from the regions' register extracts with one versioned rule file per pathway, the same for all regions. "
        "Every step below is counted in the flow report: persons with care contacts meeting the pathway's diagnosis criteria, the population "
        "criteria, deceased, protected identity, no usable address, recently invited and already drawn for another pathway. "
        "From the eligible population N<sub>h</sub> of each stratum (pathway × region) a simple random sample n<sub>h</sub> was drawn.",
    ),
    "method.flow": ("Flödet i urvalet (summerat över rapportens regioner)", "Sampling flow (summed over the report's regions)"),
    "method.no_flow": ("Flödesrapporten finns inte för denna omgång.", "The flow report is not available for this round."),
    "col.step": ("Steg", "Step"),
    "col.remaining": ("Kvar", "Remaining"),
    "col.removed": ("Bortfall", "Removed"),
    "method.manifest": ("Urvalsfiler och slumpfrö", "Sampling files and seed"),
    "method.dispositions": ("Utfall och svarsfrekvens", "Dispositions and response rates"),
    "method.dispositions_text": (
        "Varje inbjuden person har precis ett utfall. Fullständigt svar: inskickad enkät där minst hälften av kärnfrågorna är besvarade (I). "
        "Delvis svar: några kärnfrågor besvarade men inte tillräckligt, eller påbörjad men inte inskickad (P). Avböjt (R). "
        "Ej aktuell (vården stämmer inte) och avliden räknas som ej tillhörande populationen. Okänd adress (brev i retur) har okänd behörighet (U). "
        "Ej svar (NC). RR1 = I / (I + P + R + NC + U). Justerad svarsfrekvens = I / (inbjudna − ej i populationen − okänd adress).",
        "Every invited person has exactly one disposition. Complete: submitted with at least half of the core items answered (I). "
        "Partial: some core items answered but not enough, or started and never submitted (P). Refusal (R). Screened out (the care does not "
        "describe theirs) and deceased count as ineligible. Undeliverable (letter returned) has unknown eligibility (U). No response (NC). "
        "RR1 = I / (I + P + R + NC + U). Adjusted rate = I / (invited − ineligible − undeliverable).",
    ),
    "method.scoring": ("Poäng", "Scoring"),
    "method.scoring_text": (
        "Varje svarsalternativ har en poäng från 0 (sämst) till 100 (bäst), jämnt fördelad över skalan; ”Vet inte / Inte aktuellt” räknas inte. "
        "En persons resultat i en dimension är medelvärdet av de besvarade frågornas poäng, med vikterna omräknade över de frågor personen besvarat. "
        "Gruppens resultat är medelvärdet av personernas resultat. {weights}",
        "Every answer option has a score from 0 (worst) to 100 (best), spread evenly over the scale; ‘Don't know / Not applicable’ is not counted. "
        "A person's dimension result is the mean of the answered items' scores, the weights renormalised over the items they answered. "
        "The group result is the mean of the persons' results. {weights}",
    ),
    "method.weighting": ("Viktning och osäkerhet", "Weighting and uncertainty"),
    "method.weighting_text": (
        "Designvikt N<sub>h</sub>/n<sub>h</sub> från urvalsramen, gånger en bortfallsjustering: efterstratifiering inom varje vårdförlopp × region "
        "efter kön × åldersgrupp, så att de viktade svarande återger urvalsramens population. Celler med färre än {cell} svarande slås ihop med "
        "närmaste åldersgrupp. Konfidensintervall: {ci}.",
        "Design weight N<sub>h</sub>/n<sub>h</sub> from the frame, times a non-response adjustment: post-stratification within each pathway × region "
        "by sex × age group, so that the weighted respondents reproduce the frame's population. Cells with fewer than {cell} respondents are "
        "collapsed with the adjacent age group. Confidence intervals: {ci}.",
    ),
    "method.unweighted": ("Resultaten är oviktade. Konfidensintervall: {ci}.", "The results are unweighted. Confidence intervals: {ci}."),
    "method.casemix": ("Justering för patientsammansättning", "Case-mix adjustment"),
    "method.casemix_text": (
        "Regioner behandlar olika patienter. En modell (logistisk för positivt svar, linjär för 0–100) skattas på region och {variables}. "
        "Varje regions justerade resultat är modellens prediktion när hela rikets svarande tilldelas regionen (direkt standardisering). "
        "Bättre än riket: hela intervallet över rikets värde; sämre: hela intervallet under; annars som förväntat.",
        "Regions treat different patients. A model (logistic for a positive answer, linear for 0–100) is fitted on region and {variables}. "
        "Each region's adjusted result is the model's prediction with every national respondent assigned to that region (direct "
        "standardisation). Better than national: the whole interval above the national value; worse: the whole interval below; otherwise as expected.",
    ),
    "method.suppression": ("Små tal", "Small numbers"),
    "method.suppression_text": (
        "Ett resultat som bygger på färre än {n} svarande visas inte; i tabellerna står skälet i stället för siffran. "
        "Antal mellan 1 och 4 i bakgrundstabeller döljs tillsammans med nästa minsta cell så att de inte kan räknas fram.",
        "A result based on fewer than {n} respondents is not shown; the tables give the reason instead of the figure. "
        "Counts of 1–4 in background tables are masked together with the next smallest cell so that they cannot be recovered by subtraction.",
    ),
    "ci.wilson": ("Wilson för oviktade andelar", "Wilson for unweighted proportions"),
    "ci.t": ("t-fördelningen för oviktade medelvärden", "the t distribution for unweighted means"),
    "ci.taylor_linearisation": (
        "Taylorlinearisering över strata (vårdförlopp × region) för viktade skattningar",
        "Taylor linearisation over the strata (pathway × region) for weighted estimates",
    ),
    "ci.delta_method": ("deltametoden för justerade resultat", "the delta method for adjusted results"),
    "weights.equal": ("Frågorna i en dimension väger lika.", "The items of a dimension weigh equally."),
    "weights.pca": (
        "Frågornas vikter i en dimension är laddningarna i första principalkomponenten, normerade till summan 1.",
        "The items' weights within a dimension are the loadings of the first principal component, normalised to sum 1.",
    ),
    "method.statements": (
        "Metoderna som de tillämpades i denna körning (analysens egen beskrivning, på engelska)",
        "The methods as applied in this run (the analysis's own statements)",
    ),
    "casemix.age_group": ("åldersgrupp", "age group"),
    "casemix.sex": ("kön", "sex"),
    "casemix.self_rated_health": ("självskattad hälsa", "self-rated health"),
    "casemix.education": ("utbildning", "education"),
    "and": ("och", "and"),
}


def label(key: str, lang: str, **values: object) -> str:
    """The text for ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``."""
    sv, en = _TEXTS[key]
    text = sv if lang == "sv" else en
    return text.format(**values) if values else text


def number(value: float | int | None, lang: str, decimals: int = 0) -> str:
    """A number as a reader in ``lang`` expects it (Swedish: decimal comma, space as thousands separator)."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    if lang == "sv":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def score(value: float | None, lang: str) -> str:
    """A 0–100 score, rounded to a whole number: finer digits would suggest precision the survey lacks."""
    return number(value, lang)


def percent(value: float | None, lang: str) -> str:
    """A percentage with its sign ("72 %")."""
    return "–" if value is None else f"{number(value, lang)} %"
