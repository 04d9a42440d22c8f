"""The shipped vocabulary of common lent objects: one concept, its category, its words per language.

Words are written as people write them (accents, capitals, several words); node/local/shelves/words.py
stems and folds them the same way as the texts they are matched against. A word may be a phrase
("machine à coudre"); German and Dutch compounds ("Aluleiter") are found by their last part.
Words that mean something else in another shipped language are left out ("trap", "boor", "box").
Residents' own words extend this list (shelves.models.LearnedWord).
"""

from __future__ import annotations

LANGUAGES = ("en", "fr", "de", "it", "es", "nl")

# concept: (category, {language: words})
CONCEPTS: dict[str, tuple[str, dict[str, tuple[str, ...]]]] = {
    # --- DIY & tools
    "ladder": (
        "diy",
        {
            "en": ("ladder", "stepladder", "step ladder"),
            "fr": ("échelle", "escabeau"),
            "de": ("Leiter", "Trittleiter", "Stehleiter", "Anlegeleiter"),
            "it": ("scala", "scaletta", "scala a pioli"),
            "es": ("escalera", "escalera de mano", "escalerilla"),
            "nl": ("ladder", "trapladder", "huishoudtrap"),
        },
    ),
    "drill": (
        "diy",
        {
            "en": ("drill", "power drill", "hammer drill", "impact drill"),
            "fr": ("perceuse", "perforateur", "perceuse à percussion"),
            "de": ("Bohrmaschine", "Bohrhammer", "Schlagbohrmaschine"),
            "it": ("trapano", "trapano a percussione", "tassellatore"),
            "es": ("taladro", "taladradora", "taladro percutor"),
            "nl": ("boormachine", "klopboormachine", "boorhamer"),
        },
    ),
    "screwdriver": (
        "diy",
        {
            "en": ("screwdriver", "cordless screwdriver", "drill driver"),
            "fr": ("visseuse", "tournevis", "visseuse sans fil"),
            "de": ("Akkuschrauber", "Schraubenzieher", "Schraubendreher"),
            "it": ("avvitatore", "cacciavite"),
            "es": ("atornillador", "destornillador"),
            "nl": ("schroevendraaier", "accuschroevendraaier"),
        },
    ),
    "saw": (
        "diy",
        {
            "en": ("saw", "jigsaw", "circular saw", "handsaw", "mitre saw"),
            "fr": ("scie", "scie sauteuse", "scie circulaire", "scie à onglet"),
            "de": ("Säge", "Stichsäge", "Kreissäge", "Handsäge", "Kappsäge"),
            "it": ("sega", "seghetto", "sega circolare", "seghetto alternativo"),
            "es": ("sierra", "sierra de calar", "sierra circular", "serrucho"),
            "nl": ("zaag", "decoupeerzaag", "cirkelzaag", "handzaag"),
        },
    ),
    "hammer": (
        "diy",
        {
            "en": ("hammer", "sledgehammer", "mallet"),
            "fr": ("marteau", "masse", "maillet"),
            "de": ("Hammer", "Vorschlaghammer", "Fäustel"),
            "it": ("martello", "mazza"),
            "es": ("martillo", "mazo"),
            "nl": ("hamer", "moker"),
        },
    ),
    "sander": (
        "diy",
        {
            "en": ("sander", "orbital sander", "belt sander"),
            "fr": ("ponceuse", "ponceuse orbitale"),
            "de": ("Schleifmaschine", "Schleifer", "Exzenterschleifer"),
            "it": ("levigatrice",),
            "es": ("lijadora",),
            "nl": ("schuurmachine",),
        },
    ),
    "toolbox": (
        "diy",
        {
            "en": ("toolbox", "tool kit", "tools"),
            "fr": ("boîte à outils", "caisse à outils", "outils"),
            "de": ("Werkzeugkasten", "Werkzeugkoffer", "Werkzeug"),
            "it": ("cassetta degli attrezzi", "attrezzi"),
            "es": ("caja de herramientas", "herramientas"),
            "nl": ("gereedschapskist", "gereedschap"),
        },
    ),
    "spirit_level": (
        "diy",
        {
            "en": ("spirit level", "laser level"),
            "fr": ("niveau à bulle", "niveau laser"),
            "de": ("Wasserwaage", "Kreuzlinienlaser"),
            "it": ("livella", "livella laser"),
            "es": ("nivel de burbuja", "nivel láser"),
            "nl": ("waterpas",),
        },
    ),
    "pressure_washer": (
        "diy",
        {
            "en": ("pressure washer", "jet washer"),
            "fr": ("nettoyeur haute pression", "karcher"),
            "de": ("Hochdruckreiniger",),
            "it": ("idropulitrice",),
            "es": ("hidrolimpiadora",),
            "nl": ("hogedrukreiniger",),
        },
    ),
    "tile_cutter": (
        "diy",
        {
            "en": ("tile cutter",),
            "fr": ("coupe-carrelage", "coupe carrelage"),
            "de": ("Fliesenschneider",),
            "it": ("tagliapiastrelle",),
            "es": ("cortador de azulejos", "cortadora de cerámica"),
            "nl": ("tegelsnijder",),
        },
    ),
    "extension_cord": (
        "diy",
        {
            "en": ("extension cord", "extension lead", "cable reel"),
            "fr": ("rallonge", "enrouleur"),
            "de": ("Verlängerungskabel", "Kabeltrommel"),
            "it": ("prolunga", "avvolgicavo"),
            "es": ("alargador", "alargadera", "enrollacables"),
            "nl": ("verlengsnoer", "kabelhaspel"),
        },
    ),
    "wallpaper_steamer": (
        "diy",
        {
            "en": ("wallpaper steamer", "wallpaper stripper"),
            "fr": ("décolleuse", "décolleuse à papier peint"),
            "de": ("Tapetenablöser", "Dampftapetenablöser"),
            "it": ("vaporizzatore per carta da parati", "scollatrice"),
            "es": ("despegador de papel pintado",),
            "nl": ("behangafstomer", "behangstomer"),
        },
    ),
    # --- garden
    "lawnmower": (
        "garden",
        {
            "en": ("lawnmower", "lawn mower", "mower"),
            "fr": ("tondeuse", "tondeuse à gazon"),
            "de": ("Rasenmäher", "Mäher"),
            "it": ("tosaerba", "tagliaerba", "rasaerba"),
            "es": ("cortacésped", "cortacéspedes", "cortadora de césped"),
            "nl": ("grasmaaier",),
        },
    ),
    "hedge_trimmer": (
        "garden",
        {
            "en": ("hedge trimmer", "hedge cutter"),
            "fr": ("taille-haie", "taille haie", "taille-haies"),
            "de": ("Heckenschere", "Heckentrimmer"),
            "it": ("tagliasiepi",),
            "es": ("cortasetos",),
            "nl": ("heggenschaar", "heggenknipper"),
        },
    ),
    "wheelbarrow": (
        "garden",
        {
            "en": ("wheelbarrow",),
            "fr": ("brouette",),
            "de": ("Schubkarre", "Schubkarren"),
            "it": ("carriola",),
            "es": ("carretilla",),
            "nl": ("kruiwagen",),
        },
    ),
    "chainsaw": (
        "garden",
        {
            "en": ("chainsaw", "chain saw"),
            "fr": ("tronçonneuse",),
            "de": ("Kettensäge", "Motorsäge"),
            "it": ("motosega",),
            "es": ("motosierra",),
            "nl": ("kettingzaag",),
        },
    ),
    "leaf_blower": (
        "garden",
        {
            "en": ("leaf blower",),
            "fr": ("souffleur", "souffleur de feuilles"),
            "de": ("Laubbläser", "Laubsauger"),
            "it": ("soffiatore", "soffiatore per foglie"),
            "es": ("soplador", "soplador de hojas", "sopladora"),
            "nl": ("bladblazer",),
        },
    ),
    "spade": (
        "garden",
        {
            "en": ("spade", "shovel"),
            "fr": ("bêche", "pelle"),
            "de": ("Spaten", "Schaufel"),
            "it": ("vanga", "pala"),
            "es": ("pala",),
            "nl": ("schop", "spade"),
        },
    ),
    "secateurs": (
        "garden",
        {
            "en": ("secateurs", "pruning shears", "pruner", "loppers"),
            "fr": ("sécateur", "ébrancheur", "coupe-branches"),
            "de": ("Gartenschere", "Rosenschere", "Astschere"),
            "it": ("cesoie", "forbici da potatura", "troncarami"),
            "es": ("tijeras de podar", "podadera"),
            "nl": ("snoeischaar", "takkenschaar"),
        },
    ),
    "rake": (
        "garden",
        {
            "en": ("rake",),
            "fr": ("râteau",),
            "de": ("Rechen", "Harke"),
            "it": ("rastrello",),
            "es": ("rastrillo",),
            "nl": ("hark",),
        },
    ),
    "barbecue": (
        "garden",
        {
            "en": ("barbecue", "bbq", "grill"),
            "fr": ("barbecue", "plancha"),
            "de": ("Grill", "Holzkohlegrill", "Gasgrill"),
            "it": ("barbecue", "griglia"),
            "es": ("barbacoa", "parrilla"),
            "nl": ("barbecue",),
        },
    ),
    # --- kitchen
    "raclette": (
        "kitchen",
        {
            "en": ("raclette", "raclette grill"),
            "fr": ("raclette", "appareil à raclette"),
            "de": ("Raclette", "Raclettegerät", "Raclette-Ofen"),
            "it": ("raclette", "fornetto per raclette"),
            "es": ("raclette", "parrilla raclette"),
            "nl": ("raclette", "gourmetstel"),
        },
    ),
    "fondue": (
        "kitchen",
        {
            "en": ("fondue set", "fondue"),
            "fr": ("service à fondue", "fondue", "caquelon"),
            "de": ("Fondue-Set", "Fondue", "Fonduetopf"),
            "it": ("set per fonduta", "fonduta", "fondue"),
            "es": ("juego de fondue", "fondue"),
            "nl": ("fondueset", "fondue"),
        },
    ),
    "stand_mixer": (
        "kitchen",
        {
            "en": ("stand mixer", "mixer", "food processor", "hand mixer"),
            "fr": ("robot pâtissier", "robot de cuisine", "batteur", "robot ménager"),
            "de": ("Küchenmaschine", "Mixer", "Handrührgerät", "Rührgerät"),
            "it": ("planetaria", "impastatrice", "sbattitore"),
            "es": ("batidora", "robot de cocina", "amasadora"),
            "nl": ("keukenmachine", "mixer", "handmixer"),
        },
    ),
    "blender": (
        "kitchen",
        {
            "en": ("blender",),
            "fr": ("blender", "mixeur"),
            "de": ("Standmixer", "Pürierstab", "Stabmixer"),
            "it": ("frullatore", "frullatore a immersione", "minipimer"),
            "es": ("licuadora", "batidora de vaso"),
            "nl": ("blender", "staafmixer"),
        },
    ),
    "cake_tin": (
        "kitchen",
        {
            "en": ("cake tin", "baking tin", "cake pan", "springform"),
            "fr": ("moule à gâteau", "moule à manqué", "moule"),
            "de": ("Backform", "Kuchenform", "Springform"),
            "it": ("tortiera", "stampo per dolci"),
            "es": ("molde para tartas", "molde para bizcocho", "molde"),
            "nl": ("bakvorm", "taartvorm", "springvorm"),
        },
    ),
    "waffle_iron": (
        "kitchen",
        {
            "en": ("waffle iron", "waffle maker"),
            "fr": ("gaufrier",),
            "de": ("Waffeleisen",),
            "it": ("piastra per waffle", "piastra per cialde"),
            "es": ("gofrera",),
            "nl": ("wafelijzer",),
        },
    ),
    "juicer": (
        "kitchen",
        {
            "en": ("juicer", "juice extractor"),
            "fr": ("centrifugeuse", "extracteur de jus"),
            "de": ("Entsafter",),
            "it": ("centrifuga", "estrattore di succo"),
            "es": ("exprimidor", "licuadora de zumos", "extractor de zumo"),
            "nl": ("sapcentrifuge", "slowjuicer"),
        },
    ),
    "large_pot": (
        "kitchen",
        {
            "en": ("stockpot", "large pot", "preserving pan"),
            "fr": ("marmite", "faitout", "stérilisateur"),
            "de": ("Einkochtopf", "Suppentopf", "Einkochautomat"),
            "it": ("pentolone", "pentola grande"),
            "es": ("olla grande", "olla"),
            "nl": ("soeppan", "inmaakketel"),
        },
    ),
    # --- transport
    "trailer": (
        "transport",
        {
            "en": ("trailer", "car trailer"),
            "fr": ("remorque",),
            "de": ("Anhänger", "Autoanhänger", "PKW-Anhänger"),
            "it": ("rimorchio", "carrello appendice"),
            "es": ("remolque",),
            "nl": ("aanhanger", "aanhangwagen"),
        },
    ),
    "bike_pump": (
        "transport",
        {
            "en": ("bike pump", "bicycle pump", "track pump"),
            "fr": ("pompe à vélo", "pompe vélo"),
            "de": ("Luftpumpe", "Fahrradpumpe", "Standpumpe"),
            "it": ("pompa per bici", "pompa bici", "pompa per bicicletta"),
            "es": ("bomba de bicicleta", "inflador"),
            "nl": ("fietspomp",),
        },
    ),
    "bicycle": (
        "transport",
        {
            "en": ("bike", "bicycle", "e-bike"),
            "fr": ("vélo", "bicyclette", "vélo électrique"),
            "de": ("Fahrrad", "E-Bike", "Pedelec"),
            "it": ("bicicletta", "bici"),
            "es": ("bicicleta", "bici"),
            "nl": ("fiets", "e-bike"),
        },
    ),
    "cargo_bike": (
        "transport",
        {
            "en": ("cargo bike", "box bike"),
            "fr": ("vélo cargo", "biporteur", "triporteur"),
            "de": ("Lastenrad", "Lastenfahrrad"),
            "it": ("bici cargo", "cargo bike"),
            "es": ("bicicleta de carga",),
            "nl": ("bakfiets",),
        },
    ),
    "bike_trailer": (
        "transport",
        {
            "en": ("bike trailer", "bicycle trailer"),
            "fr": ("remorque vélo", "remorque à vélo"),
            "de": ("Fahrradanhänger", "Kinderanhänger"),
            "it": ("carrello bici", "rimorchio per bici"),
            "es": ("remolque de bicicleta", "remolque para bici"),
            "nl": ("fietskar", "fietsaanhanger"),
        },
    ),
    "roof_box": (
        "transport",
        {
            "en": ("roof box", "roof rack"),
            "fr": ("coffre de toit", "barres de toit"),
            "de": ("Dachbox", "Dachträger"),
            "it": ("box da tetto", "portapacchi"),
            "es": ("cofre de techo", "baca"),
            "nl": ("dakkoffer", "dakdrager"),
        },
    ),
    "bike_rack": (
        "transport",
        {
            "en": ("bike rack", "bike carrier"),
            "fr": ("porte-vélo", "porte-vélos", "porte vélo"),
            "de": ("Fahrradträger", "Heckträger"),
            "it": ("portabici",),
            "es": ("portabicicletas", "portabicis"),
            "nl": ("fietsendrager",),
        },
    ),
    "jump_leads": (
        "transport",
        {
            "en": ("jump leads", "jumper cables", "booster"),
            "fr": ("câbles de démarrage", "booster de batterie"),
            "de": ("Starthilfekabel", "Starthilfe"),
            "it": ("cavi batteria", "cavi di avviamento"),
            "es": ("cables de arranque", "pinzas de batería"),
            "nl": ("startkabels", "startkabel"),
        },
    ),
    # --- moving
    "hand_truck": (
        "moving",
        {
            "en": ("hand truck", "dolly", "sack truck"),
            "fr": ("diable",),
            "de": ("Sackkarre", "Transportkarre"),
            "it": ("carrello portapacchi", "carrello a mano"),
            "es": ("carretilla de mano", "carro de carga"),
            "nl": ("steekwagen",),
        },
    ),
    "moving_boxes": (
        "moving",
        {
            "en": ("moving boxes", "cardboard boxes", "boxes"),
            "fr": ("cartons de déménagement", "cartons"),
            "de": ("Umzugskartons", "Umzugskarton", "Kartons"),
            "it": ("scatoloni", "scatole per trasloco"),
            "es": ("cajas de mudanza", "cajas de cartón"),
            "nl": ("verhuisdozen", "verhuisdoos"),
        },
    ),
    "straps": (
        "moving",
        {
            "en": ("ratchet straps", "tie-down straps", "straps"),
            "fr": ("sangles", "sangle à cliquet"),
            "de": ("Spanngurte", "Spanngurt", "Zurrgurte"),
            "it": ("cinghie", "cinghie a cricchetto"),
            "es": ("correas", "cinchas", "eslingas"),
            "nl": ("spanbanden", "sjorbanden"),
        },
    ),
    "folding_table": (
        "moving",
        {
            "en": ("folding table", "trestle table", "pasting table"),
            "fr": ("table pliante", "tréteaux"),
            "de": ("Klapptisch", "Biertischgarnitur", "Tapeziertisch"),
            "it": ("tavolo pieghevole", "cavalletti"),
            "es": ("mesa plegable", "caballetes"),
            "nl": ("klaptafel", "schragen"),
        },
    ),
    "folding_chairs": (
        "moving",
        {
            "en": ("folding chairs", "folding chair"),
            "fr": ("chaises pliantes", "chaise pliante"),
            "de": ("Klappstühle", "Klappstuhl"),
            "it": ("sedie pieghevoli", "sedia pieghevole"),
            "es": ("sillas plegables", "silla plegable"),
            "nl": ("klapstoelen", "klapstoel"),
        },
    ),
    # --- children
    "stroller": (
        "children",
        {
            "en": ("stroller", "pushchair", "pram", "buggy"),
            "fr": ("poussette", "landau"),
            "de": ("Kinderwagen", "Buggy", "Sportwagen"),
            "it": ("passeggino", "carrozzina"),
            "es": ("carrito de bebé", "cochecito", "carriola"),
            "nl": ("kinderwagen", "buggy", "wandelwagen"),
        },
    ),
    "car_seat": (
        "children",
        {
            "en": ("car seat", "child seat", "booster seat"),
            "fr": ("siège auto", "rehausseur"),
            "de": ("Kindersitz", "Autositz", "Babyschale"),
            "it": ("seggiolino auto", "ovetto"),
            "es": ("silla de coche", "sillita de coche", "alzador"),
            "nl": ("autostoel", "autostoeltje", "maxi-cosi"),
        },
    ),
    "high_chair": (
        "children",
        {
            "en": ("high chair",),
            "fr": ("chaise haute",),
            "de": ("Hochstuhl", "Kinderhochstuhl"),
            "it": ("seggiolone",),
            "es": ("trona",),
            "nl": ("kinderstoel", "eetstoel"),
        },
    ),
    "travel_cot": (
        "children",
        {
            "en": ("travel cot", "playpen", "pack and play"),
            "fr": ("lit parapluie", "parc bébé", "lit de voyage"),
            "de": ("Reisebett", "Laufstall"),
            "it": ("lettino da viaggio", "box per bambini"),
            "es": ("cuna de viaje", "parque infantil"),
            "nl": ("campingbedje", "reisbedje"),
        },
    ),
    "baby_carrier": (
        "children",
        {
            "en": ("baby carrier", "baby sling"),
            "fr": ("porte-bébé", "écharpe de portage"),
            "de": ("Babytrage", "Tragetuch", "Trage"),
            "it": ("marsupio", "fascia porta bebè"),
            "es": ("mochila portabebés", "portabebés", "fular"),
            "nl": ("draagzak", "draagdoek"),
        },
    ),
    # --- leisure and outdoors
    "tent": (
        "games",
        {
            "en": ("tent", "camping tent"),
            "fr": ("tente", "tente de camping"),
            "de": ("Zelt", "Campingzelt"),
            "it": ("tenda", "tenda da campeggio"),
            "es": ("tienda de campaña", "casa de campaña"),
            "nl": ("tent", "koepeltent"),
        },
    ),
    "sleeping_bag": (
        "games",
        {
            "en": ("sleeping bag",),
            "fr": ("sac de couchage", "duvet"),
            "de": ("Schlafsack",),
            "it": ("sacco a pelo",),
            "es": ("saco de dormir",),
            "nl": ("slaapzak",),
        },
    ),
    "camping_stove": (
        "games",
        {
            "en": ("camping stove", "camp stove"),
            "fr": ("réchaud", "réchaud de camping"),
            "de": ("Campingkocher", "Gaskocher"),
            "it": ("fornello da campeggio", "fornelletto"),
            "es": ("hornillo", "hornillo de camping"),
            "nl": ("kampeerbrander", "campingkooktoestel"),
        },
    ),
    "party_tent": (
        "games",
        {
            "en": ("gazebo", "party tent", "marquee"),
            "fr": ("tonnelle", "barnum", "tente de réception"),
            "de": ("Pavillon", "Partyzelt", "Faltpavillon"),
            "it": ("gazebo", "tendone"),
            "es": ("carpa", "cenador", "carpa plegable"),
            "nl": ("partytent", "paviljoen"),
        },
    ),
    "board_game": (
        "games",
        {
            "en": ("board game", "board games"),
            "fr": ("jeu de société", "jeux de société"),
            "de": ("Brettspiel", "Gesellschaftsspiel", "Brettspiele"),
            "it": ("gioco da tavolo", "giochi da tavolo"),
            "es": ("juego de mesa", "juegos de mesa"),
            "nl": ("bordspel", "gezelschapsspel", "bordspellen"),
        },
    ),
    "skis": (
        "games",
        {
            "en": ("skis", "ski"),
            "fr": ("skis", "ski"),
            "de": ("Ski", "Skier", "Langlaufski"),
            "it": ("sci",),
            "es": ("esquís", "esquí"),
            "nl": ("ski's", "ski"),
        },
    ),
    "kayak": (
        "games",
        {
            "en": ("kayak", "canoe", "paddle board"),
            "fr": ("kayak", "canoë", "paddle"),
            "de": ("Kajak", "Kanu", "SUP-Board"),
            "it": ("kayak", "canoa"),
            "es": ("kayak", "canoa"),
            "nl": ("kajak", "kano"),
        },
    ),
    # --- IT and electronics
    "projector": (
        "it",
        {
            "en": ("projector", "video projector", "beamer"),
            "fr": ("vidéoprojecteur", "projecteur"),
            "de": ("Beamer", "Projektor"),
            "it": ("proiettore", "videoproiettore"),
            "es": ("proyector",),
            "nl": ("beamer", "projector"),
        },
    ),
    "speaker": (
        "it",
        {
            "en": ("speaker", "loudspeaker", "sound system", "pa system"),
            "fr": ("enceinte", "haut-parleur", "sonorisation"),
            "de": ("Lautsprecher", "Musikanlage", "Soundanlage"),
            "it": ("cassa", "altoparlante", "impianto audio"),
            "es": ("altavoz", "equipo de sonido", "bafle"),
            "nl": ("luidspreker", "speaker", "geluidsinstallatie"),
        },
    ),
    "printer": (
        "it",
        {
            "en": ("printer",),
            "fr": ("imprimante",),
            "de": ("Drucker",),
            "it": ("stampante",),
            "es": ("impresora",),
            "nl": ("printer",),
        },
    ),
    "laptop": (
        "it",
        {
            "en": ("laptop", "notebook computer"),
            "fr": ("ordinateur portable", "portable"),
            "de": ("Laptop", "Notebook"),
            "it": ("portatile", "computer portatile"),
            "es": ("portátil", "ordenador portátil"),
            "nl": ("laptop",),
        },
    ),
    "camera": (
        "it",
        {
            "en": ("camera",),
            "fr": ("appareil photo", "caméra"),
            "de": ("Kamera", "Fotoapparat"),
            "it": ("fotocamera", "macchina fotografica"),
            "es": ("cámara", "cámara de fotos"),
            "nl": ("fototoestel", "camera"),
        },
    ),
    # --- household
    "sewing_machine": (
        "clothes",
        {
            "en": ("sewing machine", "overlocker"),
            "fr": ("machine à coudre", "surjeteuse"),
            "de": ("Nähmaschine", "Overlock"),
            "it": ("macchina da cucire", "taglia e cuci"),
            "es": ("máquina de coser", "remalladora"),
            "nl": ("naaimachine", "lockmachine"),
        },
    ),
    "vacuum_cleaner": (
        "other",
        {
            "en": ("vacuum cleaner", "vacuum", "hoover"),
            "fr": ("aspirateur",),
            "de": ("Staubsauger", "Nasssauger"),
            "it": ("aspirapolvere",),
            "es": ("aspiradora",),
            "nl": ("stofzuiger",),
        },
    ),
    "carpet_cleaner": (
        "other",
        {
            "en": ("carpet cleaner", "steam cleaner"),
            "fr": ("shampouineuse", "nettoyeur vapeur"),
            "de": ("Teppichreiniger", "Dampfreiniger"),
            "it": ("lavamoquette", "pulitore a vapore"),
            "es": ("limpiador de alfombras", "vaporeta"),
            "nl": ("tapijtreiniger", "stoomreiniger"),
        },
    ),
    "dehumidifier": (
        "other",
        {
            "en": ("dehumidifier",),
            "fr": ("déshumidificateur",),
            "de": ("Luftentfeuchter", "Bautrockner"),
            "it": ("deumidificatore",),
            "es": ("deshumidificador",),
            "nl": ("luchtontvochtiger", "bouwdroger"),
        },
    ),
}
