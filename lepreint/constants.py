"""Physical constants in lepreint's internal units (GeV, mm, ns), each with its source."""

#: hbar * c in GeV mm (CODATA 2018: 197.3269804 MeV fm).
HBARC_GEV_MM = 1.973269804e-13
#: hbar in GeV ns (CODATA 2018: 6.582119569e-25 GeV s).
HBAR_GEV_NS = 6.582119569e-16
#: speed of light in mm/ns.
C_MM_PER_NS = 299.792458
#: Fermi constant in GeV^-2 (PDG 2024).
G_F = 1.1663788e-5
#: W boson mass in GeV (PDG 2024 average).
M_W = 80.3692
#: charged pion mass in GeV (PDG 2024).
M_PI = 0.13957039
#: pion decay constant in GeV, as used in the paper's Eq. (2.17) (f_pi ~ 130 MeV).
F_PI = 0.130
#: electron and muon masses in GeV (PDG 2024).
M_E = 0.51099895e-3
M_MU = 0.1056583755
#: Z boson mass in GeV (PDG 2024).
M_Z = 91.1880
#: sin^2 theta_W (MS-bar at m_Z, PDG 2024), for the Z couplings of leptons and quarks.
SIN2_THETA_W = 0.23129
#: cos^2 of the Cabibbo angle (|V_ud|^2, PDG 2024).
COS2_THETA_C = 0.94847
#: Pythia's top-squark R-hadrons (|PDG id|): mesons (stop + anti-d, u, s, c, b) and baryons (stop + diquark)
STOP_RHADRON_IDS = frozenset(
    {1000612, 1000622, 1000632, 1000642, 1000652}
    | {1006113, 1006211, 1006213, 1006223, 1006311, 1006313, 1006321, 1006323, 1006333}
)
