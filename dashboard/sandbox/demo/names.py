"""The name pools the demo draws companies, people and debtors from, and each country's legal form and currency."""

from __future__ import annotations

# country: (legal form, currency, cities)
PROFILES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "DK": ("ApS", "DKK", ("Copenhagen", "Aarhus", "Odense")),
    "SE": ("AB", "SEK", ("Stockholm", "Gothenburg", "Malmö")),
    "NO": ("AS", "NOK", ("Oslo", "Bergen", "Trondheim")),
    "DE": ("GmbH", "EUR", ("Berlin", "Hamburg", "Munich")),
    "NL": ("B.V.", "EUR", ("Amsterdam", "Rotterdam", "Utrecht")),
    "GB": ("Ltd", "GBP", ("London", "Manchester", "Leeds")),
    "FR": ("SAS", "EUR", ("Paris", "Lyon", "Nantes")),
    "US": ("Inc.", "USD", ("New York", "Austin", "Denver")),
    "ES": ("S.L.", "EUR", ("Madrid", "Valencia", "Seville")),
    "PL": ("Sp. z o.o.", "PLN", ("Warsaw", "Kraków", "Gdańsk")),
}
TENANT_COUNTRIES = ("DK", "DK", "SE", "DE", "GB", "NL", "NO", "FR", "GB", "US", "ES", "PL")
ROOTS = ("Nordlys", "Havblik", "Skovbryn", "Fjordsyn", "Lyngholm", "Klitgaard", "Bakkedal", "Solvang", "Egelund",
         "Rosenhøj", "Storm", "Birke")
TRADES = ("Digital", "Logistics", "Studio", "Consulting", "Trading", "Software", "Foods", "Design", "Systems", "Energy")
FIRST_NAMES = ("Anna", "Mads", "Sofie", "Lars", "Emma", "Jonas", "Ida", "Oliver", "Freja", "Noah", "Clara", "Elias",
               "Maja", "Lukas", "Ella", "William", "Alma", "Oscar", "Nora", "Viktor")
LAST_NAMES = ("Berg", "Holm", "Lund", "Dahl", "Winther", "Krogh", "Møller", "Schmidt", "Carter", "Novak", "Martin",
              "García", "Kowalski", "Jansen", "Fischer", "Evans")
DEBTOR_COUNTRIES = ("DK", "DK", "SE", "NO", "DE", "DE", "NL", "FR", "GB", "GB", "US", "ES", "PL", "AU", "IT", "FI")
DEBTOR_WORDS = ("Atlas", "Beacon", "Cobalt", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris", "Juniper",
                "Kestrel", "Lumen", "Meridian", "Nimbus", "Orchid", "Pioneer", "Quartz", "Rowan", "Summit", "Tundra")
