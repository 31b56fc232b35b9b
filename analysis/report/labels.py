"""The fixed texts of the comparison PDF, Swedish first, English second.

One table, looked up with :func:`label`; a text missing in a language is a
programming error and fails loudly rather than printing a key.
"""

from __future__ import annotations

__all__ = ["LANGUAGES", "has_label", "label", "number", "percent", "rate_text", "score"]

LANGUAGES = ("sv", "en")

_TEXTS: dict[str, tuple[str, str]] = {
    # cover
    "title.pathway": ("Patienters upplevelse av vårdförloppet", "Patients' experience of the care pathway"),
    "title.region": (
        "Patienters upplevelse av vårdförloppen i regionen",
        "Patients' experience of the care pathways in the region",
    ),
    "title.national": (
        "Patienters upplevelse av vårdförloppen – nationell översikt",
        "Patients' experience of the care pathways – national overview",
    ),
    "subtitle.pathway": ("Jämförelse mellan regioner", "Comparison between regions"),
    "subtitle.region": ("Jämförelse mellan vårdförlopp", "Comparison between care pathways"),
    "subtitle.national": (
        "Jämförelse mellan vårdförlopp, hela landet",
        "Comparison between care pathways, whole country",
    ),
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
        "jämförda med riket. Markeringen visar om resultatet är bättre eller sämre än i övriga riket: om det ligger utanför "
        "det förväntade intervallet (99,8 % trattgränser, vidgade för den spridning mellan regioner som slumpen inte förklarar).",
        "Results 0–100 per dimension (higher is better), adjusted for differences in case mix and compared with the "
        "national value. The marker shows whether the result is better or worse than in the rest of the country: whether it lies "
        "outside the expected range (99.8 % funnel limits, widened for the spread between regions that chance does not explain).",
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
    "band.better": ("bättre än övriga riket", "better than the rest of the country"),
    "band.as_expected": ("som förväntat", "as expected"),
    "band.worse": ("sämre än övriga riket", "worse than the rest of the country"),
    "limits.95": ("förväntat intervall 95 %", "expected range 95 %"),
    "limits.998": ("förväntat intervall 99,8 % (markeringen)", "expected range 99.8 % (the marker)"),
    "separation.note": (
        "Separation i modellen: {levels}. En sådan nivå har ingen ändlig effekt i den logistiska modellen; de justerade "
        "andelarna går ändå att beräkna men är osäkrare än intervallen visar. Gäller: {units}.",
        "Separation in the model: {levels}. Such a level has no finite effect in the logistic model; the adjusted shares "
        "can still be computed but are less certain than their intervals show. Applies to: {units}.",
    ),
    "separation.unit": (
        "{unit}: {kind}, visas ojusterad och jämförs med binomialvariansen kring övriga riket",
        "{unit}: {kind}, shown unadjusted and compared with the binomial variance around the rest of the country",
    ),
    "separation.note_units": ("Separation: {units}.", "Separation: {units}."),
    "separation.all_units": ("alla i diagrammet", "everyone in the chart"),
    "separation.all_positive": ("alla svarande positiva", "every respondent positive"),
    "separation.none_positive": ("inga svarande positiva", "no respondent positive"),
    "separation.diverged": ("koefficienten divergerar", "the coefficient diverges"),
    "band.none": ("ingen jämförelse", "no comparison"),
    # suppression
    "suppressed.too_few_respondents": ("färre än {n} svar", "fewer than {n} responses"),
    "suppressed.no_respondents": ("inga svar", "no responses"),
    "suppressed.model_failed": ("kunde inte justeras", "could not be adjusted"),
    "suppressed.other": ("visas inte", "not shown"),
    "suppressed.list": ("Visas inte", "Not shown"),
    # dimensions
    "dimension.chart": (
        "Resultat 0–100 med {level} % konfidensintervall, sorterat från högst till lägst. Streckad linje: riket. Grå staplar: "
        "det förväntade intervallet kring övriga riket.",
        "Result 0–100 with {level} % confidence interval, sorted from highest to lowest. Dashed line: national value. Grey bars: "
        "the expected range around the rest of the country.",
    ),
    "dimension.chart_refs": (
        "Resultat 0–100 med {level} % konfidensintervall. Streck på varje rad: rikets värde för samma vårdförlopp. Grå "
        "staplar: det förväntade intervallet kring övriga riket i samma vårdförlopp.",
        "Result 0–100 with {level} % confidence interval. Tick on each row: the national value for the same pathway. Grey "
        "bars: the expected range around the rest of the country in the same pathway.",
    ),
    "dimension.items": (
        "Frågor i dimensionen: andel positiva svar (%)",
        "Items in the dimension: share of positive answers (%)",
    ),
    "items.note": (
        "Andel positiva svar bland dem som besvarat frågan; svaret ”Vet inte / Inte aktuellt” räknas inte.",
        "Share of positive answers among those who answered the item; ‘Don't know / Not applicable’ is not counted.",
    ),
    "col.region": ("Region", "Region"),
    "col.pathway": ("Vårdförlopp", "Care pathway"),
    "col.respondents": ("Svar (n)", "Answers (n)"),
    "col.ci": ("{level} % KI", "{level} % CI"),
    "col.comparison": ("Jämfört med övriga riket", "Compared with the rest of the country"),
    "col.share": ("Andel positiva", "Share positive"),
    "col.item": ("Fråga", "Item"),
    # response
    "response": ("Svarsfrekvens och vilka som svarade", "Response rates and who responded"),
    "response.intro": (
        "Utfall per region eller vårdförlopp. RR1 = fullständiga svar / alla utom de som inte tillhör populationen. "
        "Justerad svarsfrekvens = fullständiga svar / (inbjudna − ej i populationen − okänd adress). Svarsfrekvenser i hela "
        "procent; ≈ där ett antal i raden är dolt och frekvensen därför avrundats grövre. Definitioner i metodbilagan.",
        "Outcome per region or pathway. RR1 = complete responses / all except those outside the population. Adjusted rate = "
        "complete / (invited − ineligible − undeliverable). Rates in whole percent; ≈ where a count of the row is masked "
        "and the rate is therefore rounded more coarsely. Definitions in the method appendix.",
    ),
    "col.invited": ("Inbjudna", "Invited"),
    "disposition.complete": ("Fullständiga", "Complete"),
    "disposition.partial": ("Delvis", "Partial"),
    "disposition.refusal": ("Avböjt", "Refused"),
    "disposition.no_response": ("Ej svar", "No response"),
    "disposition.screened_out": ("Ej aktuell", "Screened out"),
    "disposition.deceased": ("Avliden", "Deceased"),
    "disposition.undeliverable": ("Okänd adress", "Undeliverable"),
    "response.healthcare": ("Svarsfrekvens per sjukvårdsregion", "Response rates per healthcare region"),
    "response.healthcare_pathway": (
        "Vårdförloppets alla regioner summerade per sjukvårdsregion. Ett antal som är dolt i någon region är dolt även i summan.",
        "The pathway's regions summed per healthcare region. A count masked in any region stays masked in the sum.",
    ),
    "response.healthcare_national": (
        "Alla vårdförlopp tillsammans, per sjukvårdsregion.",
        "All care pathways together, per healthcare region.",
    ),
    "response.regions": ("Svarsfrekvens per region", "Response rates per region"),
    "response.regions_national": (
        "Alla vårdförlopp tillsammans, per region.",
        "All care pathways together, per region.",
    ),
    "col.healthcare_region": ("Sjukvårdsregion", "Healthcare region"),
    "col.rr1": ("RR1 %", "RR1 %"),
    "col.adjusted": ("Justerad %", "Adjusted %"),
    "total": ("Totalt", "Total"),
    "profile": (
        "Vilka svarade? Kön och ålder jämfört med urvalet",
        "Who responded? Sex and age compared with the sample",
    ),
    "profile.intro": (
        "Inbjudna, fullständiga svar och svarsfrekvens per kön och åldersgrupp, och gruppens andel av populationen (urvalsramen) "
        "jämfört med dess andel av de svarande. Små antal (1–{mask}) är dolda tillsammans med nästa minsta cell.",
        "Invited, complete responses and response rate by sex and age group, and the group's share of the population (the frame) "
        "against its share of the respondents. Small counts (1–{mask}) are masked together with the next smallest cell.",
    ),
    "profile.all_regions": (
        "Tabellen gäller vårdförloppets alla regioner, inte bara de regioner som rapporten jämför: kön och ålder redovisas "
        "per vårdförlopp och per region, men inte per vårdförlopp och region.",
        "The table covers all of the pathway's regions, not only those the report compares: sex and age are reported per "
        "pathway and per region, but not per pathway and region.",
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
        "Här redovisas frågan för sig: andel som svarat ja, med {level} % konfidensintervall.",
        "The pilot round singled out the written individual care plan as an area for improvement. "
        "The item is reported here on its own: share answering yes, with {level} % confidence interval.",
    ),
    "care_plan.chart": (
        "Andel positiva svar (%) med {level} % konfidensintervall. Streckad linje: riket. Grå staplar: det förväntade "
        "intervallet kring övriga riket.",
        "Share of positive answers (%) with {level} % confidence interval. Dashed line: national value. Grey bars: the "
        "expected range around the rest of the country.",
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
    "method.flow": (
        "Flödet i urvalet (summerat över rapportens regioner)",
        "Sampling flow (summed over the report's regions)",
    ),
    "method.flow_rounding": (
        "Antalen i flödet är avrundade till närmaste 5 för varje vårdförlopp och region innan de summeras, och "
        "bortfallet i varje steg är skillnaden mellan de avrundade antalen. Annars skulle ett litet bortfall, till exempel en enda person med skyddad identitet, gå att läsa ut; "
        "ett bortfall på 0 kan alltså vara upp till 4 personer, och ett på 5 kan vara från 1. Urvalet drogs ur de "
        "exakta antalen.",
        "The counts of the flow are rounded to the nearest 5 for each pathway and region before they are summed, and "
        "each step's removed count is the difference of the rounded counts. Otherwise a small removal, a single person with protected identity say, could be read off; "
        "a removed count of 0 may thus be up to 4 persons, and one of 5 may be from 1. The sample was drawn from the "
        "exact counts.",
    ),
    "method.no_flow": (
        "Flödesrapporten finns inte för denna omgång.",
        "The flow report is not available for this round.",
    ),
    "col.step": ("Steg", "Step"),
    "col.remaining": ("Kvar", "Remaining"),
    "col.removed": ("Bortfall", "Removed"),
    "method.criteria_note": (
        "Populationskriterierna beskrivs utifrån vårdförloppets regelfil; steg som inte finns i den visas med sitt namn.",
        "The population criteria are described from the pathway's rule file; steps not found there are shown by their name.",
    ),
    "step.rejected_rows": (
        "Oläsbara rader i registeruttaget (avvisade)",
        "Unreadable rows in the register extract (rejected)",
    ),
    "step.persons_with_qualifying_contacts": (
        "Personer med minst en vårdkontakt med vårdförloppets diagnoser under perioden",
        "Persons with at least one care contact with the pathway's diagnoses in the period",
    ),
    "step.deceased": ("Avlidna", "Deceased"),
    "step.protected_identity": ("Skyddad identitet", "Protected identity"),
    "step.no_address": ("Saknar användbar postadress", "No usable postal address"),
    "step.quarantine": (
        "Inbjudna i en tidigare omgång under karenstiden",
        "Invited in an earlier round within the quarantine period",
    ),
    "step.other_pathway": (
        "Redan dragna för ett annat vårdförlopp i omgången",
        "Already drawn for another pathway in this round",
    ),
    "step.sampled": ("Dragna i urvalet (berättigad population → urval)", "Sampled (eligible population → sample)"),
    "criterion.min_contact_dates": (
        "minst {n} kvalificerande kontakter på olika dagar",
        "at least {n} qualifying contacts on different dates",
    ),
    "criterion.any_contact_at": (
        "minst en kvalificerande kontakt i {levels}",
        "at least one qualifying contact in {levels}",
    ),
    "criterion.age_range": ("ålder {low}–{high} år {at}", "aged {low} to {high} {at}"),
    "criterion.min_age": ("ålder minst {low} år {at}", "aged {low} or older {at}"),
    "criterion.max_age": ("ålder högst {high} år {at}", "aged {high} or younger {at}"),
    "criterion.at.period_end": ("vid periodens slut", "at the end of the period"),
    "criterion.at.first_qualifying_contact": (
        "vid den första kvalificerande kontakten",
        "at the first qualifying contact",
    ),
    "care_level.primary": ("primärvården", "primary care"),
    "care_level.specialist": ("specialiserad öppenvård", "specialist outpatient care"),
    "care_level.inpatient": ("slutenvården", "inpatient care"),
    "or": ("eller", "or"),
    "method.manifest": ("Urvalsfiler och slumpfrö", "Sampling files and seed"),
    "manifest.software": ("Programvara", "Software"),
    "manifest.seed": ("Slumpfrö", "Seed"),
    "manifest.period_start": ("Periodens första dag", "Period start"),
    "manifest.period_end": ("Periodens sista dag", "Period end"),
    "manifest.sampling_date": ("Urvalsdatum", "Sampling date"),
    "manifest.code_key_fingerprint": ("Kodnyckelns fingeravtryck", "Code key fingerprint"),
    "manifest.on_bad_rows": ("Oläsbara rader", "Unreadable rows"),
    "manifest.rejected_rows": ("Avvisade rader", "Rejected rows"),
    "manifest.inputs": ("Indata", "Input"),
    "manifest.contacts": ("kontakter", "contacts"),
    "manifest.population": ("befolkningsregister", "population register"),
    "manifest.previous": ("tidigare utskickslistor", "earlier mailing lists"),
    "manifest.mapping": ("kolumnmappning", "column mapping"),
    "manifest.rules": ("Regelfil", "Rule file"),
    "manifest.pathway_order": ("Dragningsordning", "Drawing order"),
    "manifest.steps_not_applied": ("Steg som inte kunde tillämpas", "Steps not applied"),
    "method.dispositions": ("Utfall och svarsfrekvens", "Dispositions and response rates"),
    "method.dispositions_text": (
        "Varje inbjuden person har precis ett utfall. Fullständigt svar (I): inskickad enkät där minst {share} av kärnfrågorna "
        "är besvarade. Delvis svar (P): några kärnfrågor besvarade men för få, eller påbörjad enkät som aldrig skickades in. "
        "Avböjt (R): personen har tackat nej. Ej svar (NC): ingen kärnfråga besvarad. Ej aktuell (personen uppger att vården "
        "inte stämmer) och avliden räknas som utanför populationen. Okänd adress (U): brevet kom i retur, så det är okänt om "
        "personen tillhör populationen. Svarsfrekvensen RR1 = I / (I + P + R + NC + U). Justerad svarsfrekvens = I / "
        "(inbjudna − ej aktuella − avlidna − okänd adress), det vill säga AAPOR:s RR3 med e = 0 (alla med okänd adress "
        "räknas som utanför populationen). Resultattabellerna visar också RR3 med ett skattat e: andelen tillhörande "
        "populationen bland dem vars tillhörighet är känd, e = (I + P + R + NC) / (I + P + R + NC + ej aktuella + avlidna), "
        "och RR3 = I / (I + P + R + NC + e × U). {respondents}",
        "Every invited person has exactly one disposition. Complete (I): submitted with at least {share} of the core items "
        "answered. Partial (P): some core items answered but too few, or started and never submitted. Refusal (R): the person "
        "declined. No response (NC): no core item answered. Screened out (the person says the care does not describe theirs) "
        "and deceased count as outside the population. Undeliverable (U): the letter was returned, so eligibility is unknown. "
        "Response rate RR1 = I / (I + P + R + NC + U). Adjusted rate = I / (invited − screened out − deceased − "
        "undeliverable), that is AAPOR's RR3 with e = 0 (every undeliverable counted outside the population). The result "
        "tables also give RR3 with an estimated e: the share in the population among those whose eligibility is known, "
        "e = (I + P + R + NC) / (I + P + R + NC + screened out + deceased), and RR3 = I / (I + P + R + NC + e × U). "
        "{respondents}",
    ),
    "method.respondents_complete": (
        "Resultat, vikter och modeller bygger på de fullständiga svaren.",
        "Results, weights and models use the complete respondents.",
    ),
    "method.respondents_partial": (
        "Resultat, vikter och modeller bygger på de fullständiga och de delvisa svaren.",
        "Results, weights and models use the complete and the partial respondents.",
    ),
    "method.scoring": ("Poäng", "Scoring"),
    "method.scoring_text": (
        "Varje svarsalternativ har en poäng från 0 (sämst) till 100 (bäst), jämnt fördelad över skalan; ”Vet inte / Inte aktuellt” "
        "räknas inte. För en fråga redovisas andelen positiva svar bland dem som besvarat den. En persons resultat i en dimension "
        "är det viktade medelvärdet av poängen för de frågor personen besvarat, med vikterna omräknade över just de frågorna; "
        "personen räknas som positiv i dimensionen när minst hälften av de (viktade) besvarade frågorna är positiva. Gruppens "
        "resultat är medelvärdet av personernas resultat. {weights}",
        "Every answer option has a score from 0 (worst) to 100 (best), spread evenly over the scale; ‘Don't know / Not "
        "applicable’ is not counted. An item is reported as the share of positive answers among those who answered it. A "
        "person's dimension result is the weighted mean of the scores of the items they answered, the weights renormalised "
        "over those items; the person counts as positive on the dimension when at least half of the (weighted) answered items "
        "are positive. The group result is the mean of the persons' results. {weights}",
    ),
    "weights.equal": ("Frågorna i en dimension väger lika.", "The items of a dimension weigh equally."),
    "weights.pca": (
        "Frågornas vikter i en dimension är laddningarna i första principalkomponenten (korrelationsmatrisen för dem som "
        "besvarat alla dimensionens frågor; negativa laddningar sätts till 0), normerade till summan 1. Där det inte går "
        "väger frågorna lika.",
        "The items' weights within a dimension are the loadings of the first principal component (correlation matrix over "
        "those who answered all the dimension's items; negative loadings set to 0), normalised to sum 1. Where that is not "
        "possible the items weigh equally.",
    ),
    "method.weighting": ("Viktning och osäkerhet", "Weighting and uncertainty"),
    "method.weighting_text": (
        "Viktade resultat använder designvikten N<sub>h</sub>/n<sub>h</sub> från urvalsramen gånger en bortfallsjustering: "
        "efterstratifiering efter kön × åldersgrupp inom varje vårdförlopp × region, så att de viktade svarande återger "
        "urvalsramens målpopulation i varje cell: de kända som inte tillhör populationen (avlidna, ej aktuella) räknas bort "
        "först, medan de med okänd adress räknas med. Celler med färre än {cell} svarande slås ihop med närmaste åldersgrupp "
        "av samma kön, och vid behov över kön. Rapportens diagram och tabeller visar de viktade resultaten. Osäkerheten i "
        "viktade resultat skattas för ett urval i två faser: först urvalet av n<sub>h</sub> av N<sub>h</sub> personer i "
        "varje vårdförlopp × region, med ändlighetskorrektion (ett stratum där alla drogs, n<sub>h</sub> = N<sub>h</sub>, "
        "bidrar inte med urvalsosäkerhet), sedan svaren som ett delurval inom varje viktcell. Att viktcellernas mål är "
        "skattade ur urvalet ingår alltså i osäkerheten. Designeffekten (variansen jämförd med ett obundet slumpmässigt "
        "urval av lika många svarande) och det effektiva antalet svarande redovisas för varje viktat resultat i "
        "resultattabellerna.",
        "Weighted results use the design weight N<sub>h</sub>/n<sub>h</sub> from the frame times a non-response adjustment: "
        "post-stratification by sex × age group within each pathway × region, so that the weighted respondents reproduce the "
        "frame's target population in every cell: those known to be outside the population (deceased, screened out) are "
        "taken out first, while the undeliverable are counted. Cells with fewer than {cell} respondents are collapsed with "
        "the adjacent age group of the same sex, and across sex where needed. The report's charts and tables show the "
        "weighted results. The uncertainty of weighted results is estimated for a sample in two phases: first the sample "
        "of n<sub>h</sub> of N<sub>h</sub> persons in each pathway × region, with the finite population correction (a "
        "stratum drawn whole, n<sub>h</sub> = N<sub>h</sub>, adds no sampling uncertainty), then the responses as a "
        "subsample within each weighting cell. That the cells' targets are estimated from the sample is thus part of the "
        "uncertainty. The design effect (the variance against a simple random sample of as many respondents) and the "
        "effective number of respondents are given for every weighted result in the result tables.",
    ),
    "method.raking_text": (
        "Viktade resultat använder designvikten N<sub>h</sub>/n<sub>h</sub> från urvalsramen gånger en bortfallsjustering: "
        "kalibrering genom raking (iterativ proportionell anpassning) inom varje vårdförlopp × region, så att de viktade "
        "svarande återger urvalsramens målpopulation efter kön och efter åldersgrupp (de två marginalerna var för sig, "
        "inte deras korsklassificering; varje vårdförlopps och regions totala population återges därmed också): de kända "
        "som inte tillhör populationen (avlidna, ej aktuella) räknas bort först, medan de med okänd adress räknas med. En "
        "åldersgrupp med färre än {cell} svarande slås ihop med sin minsta grannåldersgrupp, och könsmarginalen utelämnas "
        "om ett kön har färre än {cell} svarande. {trim} Rapportens diagram och tabeller visar de viktade resultaten. "
        "Osäkerheten i viktade resultat skattas för ett urval i två faser: först urvalet av n<sub>h</sub> av "
        "N<sub>h</sub> personer i varje vårdförlopp × region, med ändlighetskorrektion (ett stratum där alla drogs, "
        "n<sub>h</sub> = N<sub>h</sub>, bidrar inte med urvalsosäkerhet), sedan svaren som ett delurval inom varje "
        "vårdförlopp × region, med vikterna kalibrerade till marginalerna. Svarsfasens osäkerhet skattas ur "
        "kalibreringens residualer (det i resultatet som kön och åldersgrupp inte förklarar), urvalsfasens ur de "
        "linjäriserade värdena själva; att marginalernas mål är skattade ur urvalet ingår alltså i osäkerheten. "
        "Designeffekten (variansen jämförd med ett obundet slumpmässigt urval av lika många svarande) och det effektiva "
        "antalet svarande redovisas för varje viktat resultat i resultattabellerna.",
        "Weighted results use the design weight N<sub>h</sub>/n<sub>h</sub> from the frame times a non-response adjustment: "
        "calibration by raking (iterative proportional fitting) within each pathway × region, so that the weighted "
        "respondents reproduce the frame's target population by sex and by age group (the two margins separately, not "
        "their cross-classification; every pathway's and region's total population is thereby reproduced too): those "
        "known to be outside the population (deceased, screened out) are taken out first, while the undeliverable are "
        "counted. An age group with fewer than {cell} respondents is merged with its smaller neighbouring age group, and "
        "the sex margin is left out where a sex has fewer than {cell} respondents. {trim} The report's charts and tables "
        "show the weighted results. The uncertainty of weighted results is estimated for a sample in two phases: first "
        "the sample of n<sub>h</sub> of N<sub>h</sub> persons in each pathway × region, with the finite population "
        "correction (a stratum drawn whole, n<sub>h</sub> = N<sub>h</sub>, adds no sampling uncertainty), then the "
        "responses as a subsample within each pathway × region, with the weights calibrated to the margins. The "
        "response phase's uncertainty is estimated from the calibration residuals (what sex and age group do not "
        "explain of the result), the sampling phase's from the linearised values themselves; that the margins' targets "
        "are estimated from the sample is thus part of the uncertainty. The design effect (the variance against a simple "
        "random sample of as many respondents) and the effective number of respondents are given for every weighted "
        "result in the result tables.",
    ),
    "method.raking_trim": (
        "Vikterna trunkeras: ingen justeringsfaktor (slutlig vikt / designvikt) får överstiga {trim} gånger "
        "medianfaktorn i sitt vårdförlopp × region före trunkering; faktorer över taket sätts till taket och rakingen "
        "upprepas tills marginalerna stämmer med alla faktorer under taket. I denna undersökningsomgång trunkerades "
        "vikten för {trimmed} svarande.",
        "The weights are trimmed: no adjustment factor (final weight / design weight) may exceed {trim} times the "
        "median untrimmed factor of its pathway × region; factors above the cap are set to it and the raking is "
        "repeated until the margins hold with every factor under the cap. In this survey round the weights of "
        "{trimmed} respondents were trimmed.",
    ),
    "method.raking_untrimmed": ("Vikterna trunkeras inte.", "The weights are not trimmed."),
    "method.fewer_than": ("färre än {n}", "fewer than {n}"),
    "method.unweighted": (
        "Resultaten i rapporten är oviktade: varje svarande räknas en gång.",
        "The results in the report are unweighted: every respondent counts once.",
    ),
    "method.intervals": (
        "Alla konfidensintervall är {level} %-intervall. Metoder: {ci}.",
        "All confidence intervals are {level} % intervals. Methods: {ci}.",
    ),
    "ci.wilson": ("Wilsons intervall för oviktade andelar", "the Wilson score interval for unweighted proportions"),
    "ci.t": ("t-fördelningen för oviktade medelvärden", "the t distribution for unweighted means"),
    "ci.taylor_linearisation": (
        "Taylorlinearisering för viktade medelvärden, med t-fördelningen och designens frihetsgrader (svarande minus "
        "viktceller i gruppen)",
        "Taylor linearisation for weighted means, with the t distribution and the design's degrees of freedom "
        "(respondents minus weighting cells in the group)",
    ),
    "ci.taylor_linearisation_raking": (
        "Taylorlinearisering för viktade medelvärden, med t-fördelningen och designens frihetsgrader (svarande minus "
        "vårdförlopp × region i gruppen)",
        "Taylor linearisation for weighted means, with the t distribution and the design's degrees of freedom "
        "(respondents minus pathway × region strata in the group)",
    ),
    "ci.logit": (
        "logit-intervall för viktade andelar (Taylorlinearisering, t-fördelningen med designens frihetsgrader; "
        "intervallet håller sig inom 0–100 %)",
        "logit intervals for weighted shares (Taylor linearisation, the t distribution with the design's degrees of "
        "freedom; the interval stays within 0–100 %)",
    ),
    "ci.clopper_pearson": (
        "Clopper–Pearsons exakta intervall för en viktad andel på 0 eller 100 % (alla svarande i gruppen svarade lika)",
        "the Clopper–Pearson exact interval for a weighted share of 0 or 100 % (every respondent of the group answered "
        "alike)",
    ),
    "ci.delta_method": (
        "deltametoden för de justerade resultaten (normalapproximation)",
        "the delta method for the adjusted results (normal approximation)",
    ),
    "ci.wilson_unadjusted": (
        "Wilsons intervall utan justering för en enhet där alla eller inga svarande är positiva (modellen kan då inte "
        "skatta enhetens effekt, så den lämnas utanför skattningen)",
        "the Wilson interval without adjustment for a unit whose respondents are all or none positive (the model cannot "
        "estimate that unit's effect, so it is left out of the fit)",
    ),
    "method.casemix": ("Justering för patientsammansättning", "Case-mix adjustment"),
    "method.casemix_text": (
        "Regionerna behandlar olika patienter. Inom varje vårdförlopp skattas därför modeller för regionernas resultat: "
        "logistisk regression för andelen positiva svar och linjär regression för resultatet 0–100, med region och {variables} "
        "som kategoriska förklaringsvariabler (en obesvarad fråga är en egen kategori). Modellerna är oviktade, och regioner "
        "med färre än {n} svarande ingår inte i skattningen. En regions justerade resultat är modellens genomsnittliga "
        "prediktion när alla vårdförloppets svarande i riket tilldelas regionen (direkt standardisering). En regionrapport "
        "visar regionens justerade resultat för varje vårdförlopp mot samma vårdförlopps värde i riket.{pathways} Hur regionerna jämförs står i nästa stycke.",
        "Regions treat different patients. Within each pathway, models are therefore fitted to the regions' results: "
        "logistic regression for the share of positive answers and linear regression for the 0–100 result, with region and "
        "{variables} as categorical predictors (an unanswered question is a category of its own). The models are "
        "unweighted, and regions with fewer than {n} respondents are left out of the fit. A region's adjusted result is the "
        "model's mean prediction with all of the pathway's respondents in the country assigned to that region (direct "
        "standardisation). A region report shows the region's adjusted result for each pathway against the same "
        "pathway's national value.{pathways} How the regions are compared is said in the next paragraph.",
    ),
    "method.target_respondents": (
        "Standardiseringen sker till de svarandes patientsammansättning, oviktad: varje svarande i vårdförloppet i riket "
        "räknas en gång (förval). De justerade resultaten gäller alltså patienter som de som svarade, inte nödvändigtvis "
        "alla patienter i vårdförloppet.",
        "The standardisation is to the respondents' case mix, unweighted: each respondent of the pathway in the country "
        "counts once (the default). The adjusted results therefore describe patients like those who answered, not "
        "necessarily all of the pathway's patients.",
    ),
    "method.target_population": (
        "Standardiseringen sker i den här körningen till rikets viktade patientsammansättning: varje svarande i "
        "vårdförloppet i riket räknas med sin slutliga vikt, så att sammansättningen skattar den hos alla patienter i "
        "vårdförloppet som kunde ingå i urvalet (populationen), inte bara de som svarade. Modellerna är fortfarande "
        "oviktade.",
        "In this run the standardisation is to the weighted national case mix: each respondent of the pathway in the "
        "country counts with their final weight, so that the case mix estimates that of all the pathway's patients who "
        "could have been sampled (the population), not only of those who answered. The models are still unweighted.",
    ),
    "method.funnel": ("Bättre, som förväntat eller sämre", "Better, as expected or worse"),
    "method.funnel_text": (
        "Varje regions justerade resultat jämförs med övriga riket, det vill säga med vårdförloppets övriga regioner utan "
        "regionen själv (deras justerade resultat vägda med antalet svarande), som en standardiserad skillnad: skillnaden "
        "delad med sitt standardfel, där standardfelet tar med både regionens och övriga rikets osäkerhet och samvariationen "
        "mellan dem i samma modell. Regioner skiljer sig ofta mer än slumpen förklarar; den extra spridningen skattas för "
        "varje fråga och dimension som en varians mellan regioner (additiv modell med slumpeffekter, Spiegelhalter 2005, som "
        "i NHS Patient Survey-programmet) ur de standardiserade skillnaderna, sedan de {winsor} % mest extrema i vardera "
        "änden dragits in till närmaste värde (winsorisering), så att de avvikande regionerna inte själva vidgar gränserna. "
        "Variansen skattas när minst {units} regioner jämförs, annars vidgas gränserna inte. Skillnaden delas sedan med "
        "roten ur standardfelet i kvadrat plus denna varians. Bättre än övriga riket: över den övre 99,8 %-gränsen "
        "(z över 3,09); sämre: under den nedre; annars som förväntat. Med 99,8 % i stället för 95 % pekas ungefär en av "
        "500 jämförelser ut av slumpen i stället för en av 20 – med 16 frågor och dimensioner och 21 regioner färre än en "
        "per vårdförlopp i stället för 17. I diagrammen visas gränserna som grå staplar: den ljusa 99,8 %, den mörkare "
        "95 % (en varningsnivå; i tabellerna kolumnen band_95). En region där alla svarande är positiva (eller inga) kan "
        "inte ingå i den logistiska modellen; den visas ojusterad och jämförs med binomialvariansen kring övriga rikets "
        "värde. Har en nivå av en bakgrundsvariabel bara positiva (eller inga positiva) svar, eller divergerar en "
        "koefficient, är modellen separerad; det står då intill diagrammet och i tabellernas kolumn separation.",
        "Each region's adjusted result is compared with the rest of the country, that is, with the pathway's other regions "
        "without the region itself (their adjusted results weighted by their respondents), as a standardised difference: the "
        "difference divided by its standard error, which carries both the region's and the rest's uncertainty and their "
        "covariance in the same model. Regions often differ more than chance explains; that extra spread is estimated for "
        "each item and dimension as a between-region variance (an additive random-effects model, Spiegelhalter 2005, as in "
        "the NHS Patient Survey programme) from the standardised differences, after the {winsor} % most extreme at each end "
        "have been pulled in to the nearest value (Winsorisation), so that the outlying regions do not widen the limits "
        "themselves. The variance is estimated when at least {units} regions are compared; otherwise the limits are not "
        "widened. The difference is then divided by the square root of the squared standard error plus that variance. "
        "Better than the rest of the country: above the upper 99.8 % limit (z above 3.09); worse: below the lower; "
        "otherwise as expected. With 99.8 % instead of 95 %, about one comparison in 500 is flagged by chance instead of "
        "one in 20 – with 16 items and dimensions and 21 regions, fewer than one per pathway instead of 17. The charts "
        "show the limits as grey bars: the pale one 99.8 %, the darker one 95 % (a warning level; column band_95 of the "
        "tables). A region whose respondents are all positive (or none) cannot be in the logistic model; it is shown "
        "unadjusted and compared with the binomial variance around the rest's value. Where a level of a background "
        "variable has only positive (or no positive) answers, or a coefficient diverges, the model is separated; the "
        "report says so beside the chart and the tables in their column separation.",
    ),
    "method.pathways_within_region": (
        " Analysen har dessutom jämfört vårdförloppen inom varje region på samma sätt (i resultattabellerna).",
        " The analysis has also compared the pathways within each region in the same way (in the result tables).",
    ),
    "method.suppression": ("Små tal", "Small numbers"),
    "method.suppression_text": (
        "Ett resultat som bygger på färre än {n} svarande visas inte; i tabellerna står skälet i stället för siffran. "
        "Antal personer från 1 till {mask} skyddas, och skyddet gäller allt som publiceras tillsammans: alla tabeller "
        "och alla rapporter från omgången. Regeln: ingen kombination av publicerade antal, andelar, svarsfrekvenser, "
        "resultat och intervall får visa att en grupp har mellan 1 och {mask} personer – det publicerade ska alltid "
        "stämma både med att gruppen är tom eller med att den har minst {above} personer. Det prövas för varje omgång "
        "med en beräkning (linjärprogrammering) av vilka värden varje skyddat antal kan ha, givet allt som publiceras. "
        "Så uppnås regeln: små antal döljs tillsammans med nästa minsta antal i samma rad eller grupp, så att de inte "
        "kan räknas fram ur en summa; en grupp prövas tillsammans med sin summa (en region med ett enda vårdförlopp, "
        "eller en sjukvårdsregion med en enda region, visar samma antal som sin enda del). "
        "Svarsfrekvensen visas för varje enhet. Den avrundas till hela procent; har enheten ett dolt antal avrundas den "
        "grövre, så att avrundningen motsvarar minst fem inbjudna: till närmaste 5 procentenheter vid 100–499 "
        "inbjudna, 10 vid 50–99, 25 vid 20–49 och 50 under 20 (markerat med ≈). Annars skulle svarsfrekvensen och de "
        "visade antalen tillsammans ge tillbaka ett dolt antal. Innan en enhets svarsfrekvenser publiceras prövas de "
        "som en angripare skulle pröva dem: skulle RR1 och den justerade svarsfrekvensen tillsammans med enhetens "
        "visade antal ringa in ett dolt antal till mellan 1 och {mask}, avrundas båda till nästa grövre steg (5, 10, "
        "25 eller 50 procentenheter) tills inget dolt antal kan ringas in. Räcker inte ens 50 procentenheter (en enhet "
        "med en handfull inbjudna) visas bara den justerade svarsfrekvensen, och i sista hand ingen. "
        "Svarsfrekvensen per kön och åldersgrupp avrundas på "
        "samma sätt efter gruppens antal inbjudna. Där antalet svarande är dolt men resultatet visas, visas resultatet "
        "i hela tal utan konfidensintervall, eftersom intervallets bredd annars avslöjar antalet. Viktningscellernas "
        "populationer, antal svarande och justeringsfaktorer publiceras inte, bara hur cellerna slogs samman: "
        "tillsammans med designvikten skulle de ge antalet inbjudna och svarande i varje kön- och åldersgrupp.",
        "A result based on fewer than {n} respondents is not shown; the tables give the reason instead of the figure. "
        "Counts of 1 to {mask} persons are protected, across everything published together: every table and every "
        "report of the round. The rule: no combination of published counts, shares, response rates, results and "
        "intervals may show that a group holds between 1 and {mask} persons – what is published must always be "
        "consistent both with the group being empty and with it holding {above} or more. This is checked for every "
        "round by computing (with linear programming) the values each protected count can take given everything "
        "published. How the rule is met: small counts are masked together with the next smallest count of the same "
        "row or group, so that they cannot be recovered from a total by subtraction; a group is checked together with "
        "its total (a region with a single pathway, or a healthcare region with a single region, shows the same "
        "counts as its one member). The response rate of every unit is shown. It is rounded to whole percent; where "
        "the unit has a masked count it is rounded more coarsely, so that the rounding spans at least five invited "
        "persons: to the nearest 5 percentage points with 100–499 invited, 10 with 50–99, 25 with 20–49 and 50 below "
        "20 (marked ≈). Otherwise the rate and the shown counts together would give a masked count back. Before a "
        "unit's rates are published they are checked as an attacker would check them: where RR1 and the adjusted rate "
        "together with the unit's shown counts would confine a masked count to between 1 and {mask}, both are rounded "
        "to the next coarser step (5, 10, 25 or 50 percentage points) until no masked count can be confined so. Where "
        "even 50 points are not enough (a unit of a handful of invited), only the adjusted rate is shown, and as a "
        "last resort neither. The response "
        "rate by sex and age group is rounded the same way by the group's invited count. Where the number of "
        "respondents is masked but the result is shown, the result is shown as a whole number without its confidence "
        "interval, since the interval's width would reveal the number. The weighting cells' populations, respondent "
        "counts and adjustment factors are not published, only how the cells were collapsed: with the design weight "
        "they would give the number invited and responding in every sex and age group.",
    ),
    "casemix.age_group": ("åldersgrupp (från urvalsramen)", "age group (from the frame)"),
    "casemix.sex": ("kön (från urvalsramen)", "sex (from the frame)"),
    "casemix.self_rated_health": ("självskattad hälsa (enkätsvar)", "self-rated health (answer)"),
    "casemix.education": ("utbildning (enkätsvar)", "education (answer)"),
    "casemix.mode": ("svarssätt (webb eller papper)", "mode of response (web or paper)"),
    "method.mode_off": (
        "Svarssätt (webb eller papper) ingår inte i justeringen (förval): de som svarar på papper skiljer sig från dem som "
        "svarar på webben, och en justering för svarssätt skulle också ta bort verkliga skillnader mellan regioner vars "
        "patienter valde papper. Svarsfrekvensen per svarssätt redovisas under Svarsfrekvens.",
        "Mode of response (web or paper) is not part of the adjustment (the default): those who answer on paper differ "
        "from those who answer on the web, and adjusting for mode would also remove real differences between regions "
        "whose patients chose paper. Response rates by mode are shown under Response rates.",
    ),
    "method.mode_on": (
        "Svarssätt (webb eller papper) ingår i justeringen i den här körningen, som i den amerikanska HCAHPS-undersökningen: "
        "resultaten jämförs som om varje regions svarande hade svarat på webb och papper i samma andelar som alla svarande.",
        "Mode of response (web or paper) is part of the adjustment in this run, as in the US HCAHPS survey: results are "
        "compared as if every region's respondents had answered on the web and on paper in the same shares as all "
        "respondents.",
    ),
    "mode": ("Svar på webben och på papper", "Answers on the web and on paper"),
    "mode.intro": (
        "Fullständiga svar per svarssätt och åldersgrupp. Pappersenkäten skickas med den sista påminnelsen. "
        "Svarsfrekvensen per svarssätt har samma nämnare som den justerade svarsfrekvensen, så att webb och papper "
        "tillsammans ger den. Den som svarat på båda sätten räknas en gång, med det första fullständiga svaret. "
        "Små antal (1–{mask}) är dolda tillsammans med nästa minsta cell.",
        "Complete answers by mode and age group. The paper questionnaire is sent with the last reminder. The rates by "
        "mode have the adjusted response rate's denominator, so that web and paper add up to it. A person who answered "
        "both ways counts once, by the first complete answer. Small counts (1–{mask}) are masked together with the next "
        "smallest cell.",
    ),
    "mode.web_n": ("Webb (n)", "Web (n)"),
    "mode.paper_n": ("Papper (n)", "Paper (n)"),
    "mode.rate": ("Totalt %", "Total %"),
    "mode.web_rate": ("Webb %", "Web %"),
    "mode.paper_rate": ("Papper %", "Paper %"),
    "mode.paper_share": ("Andel på papper %", "Share on paper %"),
    "mode.all_ages": ("Alla åldrar", "All ages"),
    "and": ("och", "and"),
}


def has_label(key: str) -> bool:
    """Whether ``key`` has a text (for keys built from data, such as manifest fields)."""
    return key in _TEXTS


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


def rate_text(value: float | None, rounding: float, lang: str, *, sign: bool = True) -> str:
    """A published response rate: whole percent, with ``≈`` where it is rounded more coarsely (a count
    of its unit is masked); ``–`` when there is none (nobody to respond)."""
    if value is None:
        return "–"
    text = percent(value, lang) if sign else number(value, lang)
    return f"≈{text}" if rounding > 1 else text


def percent(value: float | None, lang: str) -> str:
    """A percentage with its sign ("72 %")."""
    return "–" if value is None else f"{number(value, lang)} %"
