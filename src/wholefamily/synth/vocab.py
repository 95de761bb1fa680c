"""Word lists the synthetic county is drawn from.

Names are common English given names and surnames (facts about naming, not
people). Places are fictional: the county of Wessex and its districts take
their names from Thomas Hardy's novels, and postcodes use the area letters
WX, which no real postcode area uses, so no synthetic address is a real one.
"""

from __future__ import annotations

# Given names, roughly from most to least common; weights follow a Zipf curve.
FEMALE_FORENAMES: tuple[str, ...] = (
    "Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophia", "Grace", "Mia", "Poppy", "Ella",
    "Lily", "Evie", "Isabella", "Sophie", "Ivy", "Freya", "Harper", "Willow", "Charlotte",
    "Jessica", "Rosie", "Daisy", "Alice", "Florence", "Chloe", "Ruby", "Phoebe", "Matilda",
    "Elizabeth", "Katherine", "Margaret", "Rebecca", "Jennifer", "Samantha", "Victoria",
    "Abigail", "Susan", "Deborah", "Patricia", "Christine", "Jacqueline", "Alexandra",
    "Hannah", "Lauren", "Megan", "Bethany", "Jade", "Kayleigh", "Chantelle", "Stacey",
    "Natalie", "Gemma", "Kirsty", "Leanne", "Nicola", "Michelle", "Donna", "Tracey",
    "Karen", "Julie", "Sarah", "Emma", "Claire", "Laura", "Amy", "Rachel", "Helen",
    "Louise", "Joanne", "Lisa", "Zoe", "Holly", "Eleanor", "Lucy", "Georgia", "Scarlett",
    "Millie", "Layla", "Maisie", "Aisha", "Fatima", "Zara", "Amira", "Maryam", "Priya",
    "Anya", "Oliwia", "Zuzanna", "Maja", "Kinga", "Bianca", "Ioana", "Teresa", "Joan",
    "Dorothy", "Barbara", "Pauline", "Janet", "Valerie", "Sandra", "Josephine", "Frances",
    "Theodora", "Penelope", "Harriet", "Imogen", "Tilly", "Erin", "Niamh", "Siobhan",
)

MALE_FORENAMES: tuple[str, ...] = (
    "Oliver", "George", "Noah", "Arthur", "Leo", "Harry", "Oscar", "Archie", "Henry",
    "Theodore", "Freddie", "Jack", "Charlie", "Thomas", "James", "William", "Alfie",
    "Joshua", "Jacob", "Daniel", "Samuel", "Joseph", "Benjamin", "Alexander", "Edward",
    "Matthew", "Michael", "Christopher", "Nicholas", "Anthony", "Robert", "Richard",
    "Jonathan", "Andrew", "Stephen", "Timothy", "Gregory", "Frederick", "Patrick",
    "Callum", "Connor", "Kyle", "Liam", "Ryan", "Jordan", "Bradley", "Dean", "Wayne",
    "Darren", "Craig", "Lee", "Gary", "Paul", "Mark", "David", "John", "Peter", "Simon",
    "Adam", "Luke", "Jake", "Tyler", "Ethan", "Mason", "Logan", "Lucas", "Max", "Finley",
    "Reggie", "Ronnie", "Tommy", "Mohammed", "Ibrahim", "Yusuf", "Omar", "Ali", "Arjun",
    "Rohan", "Jakub", "Kacper", "Szymon", "Mateusz", "Andrei", "Luca", "Dylan", "Rhys",
    "Owen", "Kieran", "Sean", "Declan", "Brian", "Keith", "Kenneth", "Raymond", "Terence",
    "Dennis", "Leonard", "Barry", "Trevor", "Colin", "Graham", "Nigel", "Alan", "Roger",
)

# What an agency may record instead of the given name.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "William": ("Bill", "Will", "Billy", "Liam"),
    "Robert": ("Bob", "Rob", "Bobby"),
    "Richard": ("Dick", "Rich", "Richie"),
    "James": ("Jim", "Jimmy", "Jamie"),
    "Thomas": ("Tom", "Tommy"),
    "Michael": ("Mike", "Mick", "Mikey"),
    "Christopher": ("Chris", "Kit"),
    "Nicholas": ("Nick", "Nicky"),
    "Anthony": ("Tony", "Ant"),
    "Jonathan": ("Jon", "Jonny"),
    "Andrew": ("Andy", "Drew"),
    "Stephen": ("Steve", "Stevie"),
    "Timothy": ("Tim", "Timmy"),
    "Gregory": ("Greg",),
    "Frederick": ("Fred", "Freddie"),
    "Patrick": ("Pat", "Paddy"),
    "Alexander": ("Alex", "Sandy", "Xander"),
    "Benjamin": ("Ben", "Benny"),
    "Daniel": ("Dan", "Danny"),
    "Samuel": ("Sam", "Sammy"),
    "Joseph": ("Joe", "Joey"),
    "Matthew": ("Matt", "Matty"),
    "Edward": ("Ed", "Eddie", "Ted"),
    "Joshua": ("Josh",),
    "Jacob": ("Jake",),
    "Theodore": ("Theo", "Ted"),
    "Henry": ("Harry", "Hal"),
    "Oliver": ("Ollie",),
    "Kenneth": ("Ken", "Kenny"),
    "Raymond": ("Ray",),
    "Terence": ("Terry",),
    "Leonard": ("Len", "Lenny"),
    "Ronnie": ("Ron",),
    "Mohammed": ("Mo", "Muhammad", "Mohammad"),
    "Elizabeth": ("Liz", "Beth", "Lizzie", "Betty"),
    "Katherine": ("Kate", "Kathy", "Katie", "Kat"),
    "Margaret": ("Maggie", "Peggy", "Meg"),
    "Rebecca": ("Becky", "Becca"),
    "Jennifer": ("Jen", "Jenny"),
    "Samantha": ("Sam", "Sammy"),
    "Victoria": ("Vicky", "Tori"),
    "Abigail": ("Abi", "Abby"),
    "Susan": ("Sue", "Susie"),
    "Deborah": ("Debbie", "Deb"),
    "Patricia": ("Pat", "Trish", "Tricia"),
    "Christine": ("Chris", "Chrissie"),
    "Jacqueline": ("Jackie",),
    "Alexandra": ("Alex", "Lexi", "Sandra"),
    "Isabella": ("Bella", "Izzy"),
    "Charlotte": ("Lottie", "Charlie"),
    "Jessica": ("Jess", "Jessie"),
    "Florence": ("Flo", "Florrie"),
    "Matilda": ("Tilly", "Tilda"),
    "Eleanor": ("Ellie", "Nell"),
    "Josephine": ("Jo", "Josie"),
    "Frances": ("Fran", "Frankie"),
    "Theodora": ("Thea", "Teddie"),
    "Penelope": ("Penny",),
    "Natalie": ("Nat",),
    "Nicola": ("Nicky", "Nikki"),
    "Joanne": ("Jo",),
    "Dorothy": ("Dot", "Dolly"),
    "Gemma": ("Gem",),
    "Bethany": ("Beth",),
}

SURNAMES: tuple[str, ...] = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards",
    "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood",
    "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King",
    "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis",
    "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook",
    "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox",
    "Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh",
    "Begum", "Wilkinson", "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason",
    "Ali", "Hunt", "Hussain", "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills",
    "Barnes", "Knight", "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens",
    "Jenkins", "Murray", "Dixon", "Harvey", "Graham", "Pearson", "Ahmed", "Fletcher",
    "Walsh", "Kaur", "Gibson", "Howard", "Andrews", "Stewart", "Elliott", "Reynolds",
    "Saunders", "Payne", "Fox", "Ford", "Pearce", "Day", "Brooks", "West", "Lawrence",
    "Cole", "Atkinson", "Bradley", "Spencer", "Gill", "Dawson", "Ball", "Burton",
    "O'Brien", "Watts", "Rose", "Booth", "Perry", "Ryan", "Grant", "Wells", "Armstrong",
    "Francis", "Rees", "Hayes", "Hart", "Hudson", "Newman", "Barrett", "Webster", "Hunter",
    "Gregory", "Carr", "Lowe", "Page", "Marsh", "Riley", "Dunn", "Woods", "Parsons",
    "Berry", "Stone", "Reid", "Holland", "Hawkins", "Harding", "Porter", "Robertson",
    "Newton", "Oliver", "Reed", "Kennedy", "Williamson", "Bird", "Gardner", "Shah", "Dean",
    "Lane", "Cooke", "Bates", "Henderson", "Parry", "Burgess", "Bishop", "Walton", "Burns",
    "Nicholson", "Shepherd", "Ross", "Cross", "Long", "Freeman", "Warren", "Nicholls",
    "Hamilton", "Byrne", "Sutton", "McDonald", "Yates", "Hodgson", "Robson", "Curtis",
    "Hopkins", "O'Connor", "Harper", "Coleman", "Watkins", "Moss", "McCarthy", "Chambers",
    "Kowalski", "Nowak", "Wisniewski", "Popescu", "Da Silva", "Okafor", "Mensah",
    "Nguyen", "Chen", "Abdullah", "Rahman", "Mahmood", "Akhtar", "Iqbal", "Sharma",
    "Fitzgerald", "MacLeod", "St John", "Ashworth", "Thornton", "Whitfield", "Pennington",
)

# Fictional county: district -> towns (the first is the district's main town).
DISTRICTS: dict[str, tuple[str, ...]] = {
    "Casterbridge": ("Casterbridge", "Weatherbury", "Mellstock", "Longpuddle"),
    "Budmouth": ("Budmouth", "Port Bredy", "Overcombe"),
    "Sandbourne": ("Sandbourne", "Knollsea", "Solentsea"),
    "Melchester": ("Melchester", "Shottsford", "Chaseborough"),
    "Shaston": ("Shaston", "Sherton Abbas", "Marlott", "Stourcastle"),
    "Wintoncester": ("Wintoncester", "Kingsbere", "Anglebury"),
}

# Postcode districts per district (area letters WX, numbered per district).
POSTCODE_DISTRICT_BASE: dict[str, int] = {
    "Casterbridge": 1,
    "Budmouth": 10,
    "Sandbourne": 20,
    "Melchester": 30,
    "Shaston": 40,
    "Wintoncester": 50,
}
POSTCODE_AREA = "WX"

STREET_STEMS: tuple[str, ...] = (
    "Acacia", "Albert", "Alexandra", "Ash", "Beech", "Birch", "Blackberry", "Bramble",
    "Bridge", "Brook", "Castle", "Cedar", "Chapel", "Cherry", "Chestnut", "Church",
    "Clarence", "Coronation", "Crown", "Elm", "Fairfield", "Fern", "Field", "Forest",
    "Foxglove", "Garden", "George", "Glebe", "Grange", "Green", "Hawthorn", "Hazel",
    "Heath", "High", "Highfield", "Hill", "Holly", "Jubilee", "Kingfisher", "King",
    "Laburnum", "Lark", "Laurel", "Lime", "Linden", "Manor", "Maple", "Meadow", "Mill",
    "Moor", "New", "North", "Nursery", "Oak", "Orchard", "Park", "Poplar", "Priory",
    "Queen", "Railway", "Rectory", "Ridgeway", "River", "Rose", "Rowan", "St Mary's",
    "St Peter's", "School", "South", "Spring", "Station", "Sycamore", "Thorn", "Tower",
    "Valley", "Victoria", "Vicarage", "Water", "Wellington", "West", "Willow", "Windmill",
    "Woodland", "Wren", "York", "Barnes", "Egdon", "Froom", "Durnover", "Bindon", "Cliff",
    "Harbour", "Quay", "Down", "Combe", "Chalk", "Flint", "Barrow", "Heron", "Swan",
)
STREET_SUFFIXES: tuple[str, ...] = (
    "Road", "Street", "Lane", "Close", "Avenue", "Drive", "Way", "Gardens", "Crescent",
    "Place", "Court", "Terrace", "Grove", "Rise", "Walk", "Mews",
)
HOUSE_NAMES: tuple[str, ...] = (
    "Rose Cottage", "The Old Rectory", "Orchard House", "Ivy Cottage", "The Barn",
    "Meadow View", "Hillside", "The Laurels", "Mill House", "Woodlands", "The Cottage",
    "Fernleigh", "Holly Lodge", "Sunnyside", "The Old School House", "Church View",
)
FLAT_PREFIX = "Flat"
LOCALITIES: tuple[str, ...] = (
    "Fordington", "Grey's Bridge", "Durnover", "Upper Mellstock", "Nether Moynton",
    "East Egdon", "Lower Longpuddle", "Westcombe", "Northbrook", "St Jude's",
)

REFERRER_AGENCIES: tuple[str, ...] = (
    "SCHOOL", "POLICE", "HEALTH_VISITOR", "GP", "HOUSING", "SOCIAL_CARE", "VOLUNTARY",
    "YOUTH_OFFENDING", "JOBCENTRE",
)
OFFENCE_GROUPS: tuple[str, ...] = (
    "VIOLENCE", "THEFT", "DRUGS", "CRIMINAL_DAMAGE", "PUBLIC_ORDER", "OTHER",
)
