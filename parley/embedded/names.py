"""Name and street lists for the synthetic portfolio (common US and Hispanic names; no real people)."""

from __future__ import annotations

FIRST_NAMES: tuple[str, ...] = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Christopher", "Karen",
    "Charles", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Sandra", "Mark", "Margaret",
    "Donald", "Ashley", "Steven", "Kimberly", "Andrew", "Emily", "Paul", "Donna", "Joshua", "Michelle",
    "Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "Timothy", "Deborah", "Ronald", "Stephanie",
    "Jason", "Rebecca", "Jeffrey", "Laura", "Ryan", "Sharon", "Jacob", "Cynthia", "Gary", "Kathleen",
    "Nicholas", "Amy", "Eric", "Angela", "Jonathan", "Shirley", "Stephen", "Brenda", "Larry", "Pamela",
    "Justin", "Emma", "Scott", "Nicole", "Brandon", "Helen", "Benjamin", "Samantha", "Samuel", "Katherine",
    "Tyrone", "Keisha", "Darnell", "Latoya", "Andre", "Tamika", "Wei", "Mei", "Minh", "Linh", "Raj", "Priya",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
    "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis",
    "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams",
    "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips", "Campbell", "Parker", "Evans",
    "Edwards", "Collins", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Peterson", "Cooper",
    "Reed", "Bailey", "Bell", "Kelly", "Howard", "Ward", "Cox", "Richardson", "Wood", "Watson",
    "Brooks", "Bennett", "Gray", "James", "Hughes", "Price", "Myers", "Long", "Foster", "Sanders",
    "Nguyen", "Tran", "Chen", "Wang", "Kim", "Patel", "Shah", "O'Brien", "Sullivan", "Kowalski",
)  # fmt: skip

HISPANIC_FIRST_NAMES: tuple[str, ...] = (
    "José", "María", "Juan", "Guadalupe", "Luis", "Ana", "Carlos", "Rosa", "Jorge", "Carmen",
    "Miguel", "Sofía", "Alejandro", "Isabel", "Francisco", "Lucía", "Antonio", "Elena", "Manuel", "Gabriela",
    "Jesús", "Verónica", "Ricardo", "Patricia", "Fernando", "Adriana", "Roberto", "Alejandra", "Eduardo", "Mónica",
    "Javier", "Daniela", "Raúl", "Claudia", "Sergio", "Valeria", "Andrés", "Mariana", "Héctor", "Paola",
)  # fmt: skip

HISPANIC_LAST_NAMES: tuple[str, ...] = (
    "García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez", "Ramírez", "Torres",
    "Flores", "Rivera", "Gómez", "Díaz", "Reyes", "Morales", "Cruz", "Ortiz", "Gutiérrez", "Chávez",
    "Ramos", "Ruiz", "Álvarez", "Mendoza", "Castillo", "Jiménez", "Vásquez", "Romero", "Herrera", "Medina",
    "Aguilar", "Vargas", "Castro", "Guzmán", "Fernández", "Muñoz", "Salazar", "Delgado", "Peña", "Soto",
)  # fmt: skip

STREETS: tuple[str, ...] = (
    "Main", "Oak", "Maple", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill", "Park",
    "Sunset", "Lincoln", "Jackson", "River", "Church", "Highland", "Mill", "Spring", "Walnut", "Chestnut",
    "Franklin", "Madison", "Jefferson", "Willow", "Magnolia", "Mesa Verde", "Palm", "Bayview", "Orchard", "Ridge",
)  # fmt: skip

STREET_SUFFIXES: tuple[str, ...] = ("St", "Ave", "Rd", "Blvd", "Ln", "Dr", "Ct", "Way", "Pl")
