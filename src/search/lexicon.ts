/**
 * A vocabulary of scientific and engineering terms, for query expansion.
 *
 * Agents ask in the words of their task, and the code answers in the words of its author: "pressure loss" in the
 * query, "pressure drop" in the docstring; "smooth" against "moving average"; "isotope" against "nuclide". Without
 * a neural model nothing else bridges these, so this is general knowledge written down once: which words mean the
 * same thing, and which name closely related things. It is not tuned to any library: entries are what a textbook
 * glossary would say, across fields the distilled repositories come from.
 *
 * Entries are groups of alternatives separated by "|"; an alternative may be a phrase, which matches only as
 * consecutive content words of the query (after stop words are dropped and words are stemmed, so "rate of
 * change" is the phrase "rate change"), and counts in a block only when all its words are there. A query that
 * contains one alternative is expanded with the others, at a weight below the query's own words: SAME groups at
 * SAME_WEIGHT, RELATED groups at RELATED_WEIGHT.
 * Expansion is one step only (no synonyms of synonyms), so a chain of loose relations cannot drift off topic.
 * The file is long because most of it is the vocabulary itself; the code is the last few dozen lines.
 */
import { tokenize } from './tokens.js';

/** Words to add to a query, how much they are worth, and which query word they stand in for. */
export interface Expansion {
  /**
   * Stems of one alternative. A phrase ("moving average") is one expansion whose words must all occur in a block
   * for it to count: "average" alone is not "moving average", and "loss" alone (from "minor loss") is not a valve.
   */
  words: string[];
  /** The credit of its group: SAME_WEIGHT or RELATED_WEIGHT. */
  weight: number;
  /** Which kind of group it came from (the strongest, when several groups lead to it). */
  relation: 'same' | 'related';
  /** The query's own stem this stands in for (a matched phrase yields one expansion per stem of it). */
  source: string;
}

/** Credit for a word that means the same as a query word: nearly full, since nothing is lost in meaning. */
export const SAME_WEIGHT = 0.85;
/** Credit for a word naming a closely related thing: evidence, but weaker than the query's own word. */
export const RELATED_WEIGHT = 0.55;

/** Different words for one thing: synonyms, spellings, abbreviations and symbols, notations. */
const SAME: readonly string[] = [
  // general task words
  'compute | calculate | evaluate',
  'estimate | approximate',
  'find | locate | detect | identify',
  'remove | subtract | eliminate | strip',
  'convert | transform | turn into',
  'load | read | fetch | download | retrieve',
  'save | write | export | store',
  'plot | visualize | chart | graph',
  'start | begin | onset',
  'end | finish | final',
  'combine | merge',
  'split | partition',
  'step | advance | march',
  'fast | quick | rapid',
  'slow | gradual',
  'amount | quantity',
  'number | count',
  'big | large | huge',
  'small | little | tiny',
  'increase | rise | grow | gain',
  'decrease | fall | decline | reduce | reduction',
  'loss | drop | lose | lost | losing',
  'difference | delta | change',
  'ratio | fraction | proportion | percentage | percent | share',
  'average | mean',
  'maximum | max | highest | largest | greatest',
  'main | dominant | principal | primary',
  'minimum | min | lowest | smallest',
  'error | uncertainty',
  'measure | measurement | reading | observation',
  'recording | record | trace',
  'sample | specimen',
  'dataset | data set | example data | sample data',
  'internet | web | online | http | url | remote server',
  'equation | formula | relation | law',
  'coefficient | factor',
  'dimensionless number | dimensionless group | dimensionless',
  'iterative | iteration | fixed point',
  'explicit | closed form | analytic | analytical',
  'exponential | exp',
  'logarithm | log | ln',
  // fluid mechanics
  'pressure drop | pressure loss | head loss | pressure difference | dp',
  'pressure gradient | pressure drop per length',
  'velocity | speed',
  'superficial velocity | empty column velocity | darcy velocity | flux velocity',
  'flow rate | discharge | throughput | volumetric flow',
  'mass flow | mass flow rate | mass flux',
  'pipe | tube | duct | conduit | pipeline | hose',
  'viscosity | viscous | mu',
  'density | rho',
  'porous medium | porous media | porous material | packing | packed bed | fixed bed | bed of particles',
  'porosity | void fraction | voidage | voids',
  'permeability | permeable | hydraulic conductivity',
  'seep | seepage | percolate | percolation | infiltrate | infiltration',
  'fluidization | fluidize | fluidized bed | bubbling bed',
  'particle | grain | pellet | bead | granule',
  'sphere | spherical | ball',
  'sphericity | shape factor',
  'settling | sedimentation | sinking | falling | free fall',
  'buoyancy | buoyant | upthrust',
  'drag | drag force',
  'pump | compressor | blower | fan',
  'shaft power | pump power | brake power',
  'efficiency | eta',
  'hydraulic diameter | equivalent diameter',
  'non circular | rectangular | square | annulus | annular | noncircular',
  'cross section | cross sectional area | flow area',
  'wetted perimeter | perimeter',
  'roughness | rough wall | relative roughness',
  'friction factor | friction coefficient | darcy friction | fanning friction | moody',
  'colebrook | colebrook white',
  'reynolds number | re',
  'nusselt number | nu',
  'prandtl number | pr',
  'laminar | viscous flow | streamline flow',
  'creeping flow | stokes flow | low reynolds',
  // heat transfer and thermodynamics
  'heat | thermal',
  'warm | heat up',
  'cool | chill | cool down',
  'temperature | temp | degrees | celsius | kelvin | fahrenheit',
  'heat transfer coefficient | film coefficient | convective coefficient | convection coefficient | h value',
  'overall heat transfer coefficient | overall coefficient',
  'thermal resistance | resistance to heat flow',
  'fouling | scaling | deposit | fouling factor | dirt factor',
  'conductivity | thermal conductivity | conductive',
  'heat exchanger | exchanger | recuperator',
  'heater | boiler',
  'counterflow | counter current | countercurrent | counter flow',
  'parallel flow | cocurrent | co current',
  'log mean temperature difference | lmtd | log mean',
  'number of transfer units | ntu',
  'effectiveness | epsilon ntu | e ntu',
  'heat duty | heat rate | heat flow | thermal power | duty | heat transferred',
  'specific heat | heat capacity | cp',
  'inlet | entry | entering | incoming | in',
  'outlet | leaving | outgoing',
  'hot stream | hot side | hot fluid',
  'cold stream | cold side | cold fluid',
  'convection | convective',
  'natural convection | free convection',
  'radiation | radiative | thermal radiation',
  'conduction | conductive heat transfer',
  'gibbs energy | gibbs free energy | free energy | delta g | dg',
  'enthalpy | delta h | heat of reaction | dh',
  'entropy | delta s',
  'equilibrium constant | keq | k eq',
  'vapor pressure | saturation pressure',
  'ideal gas | perfect gas',
  // chemistry and kinetics
  'rate constant | specific rate',
  'activation energy | activation barrier | energy barrier | ea',
  'pre exponential | frequency factor',
  'half life | halflife | half time | t half',
  'reactant | reagent | starting material | substrate',
  'conversion | extent of reaction | progress | consumed',
  'consumption | depletion | disappearance',
  'concentration | molarity | titer | plasma concentration',
  'kinetics | kinetic | rate law',
  'mass action | elementary reaction | elementary step',
  'reaction network | mechanism | reaction scheme | network of reactions',
  'consecutive reactions | series reactions | sequential reactions',
  'dimerization | dimerisation | bimolecular',
  'species | component | chemical',
  'stoichiometry | stoichiometric | stoichiometric matrix | stoichiometric coefficient',
  'molar mass | molecular weight | g mol',
  'mole | mol | moles',
  'mass | weight',
  'gram | grams | g',
  'milligram | mg',
  'catalyst | catalytic | catalysis',
  'clearance | washout',
  'drug | medication | medicine | compound',
  'plasma | blood',
  // nuclear
  'isotope | nuclide | radionuclide',
  'radioactive | radioactivity | radioactive decay',
  'decay | disintegration',
  'activity | becquerel | bq | curie | disintegrations per second | counts per second',
  'specific activity | activity per mass',
  'decay constant | disintegration constant | lambda',
  'daughter | progeny | decay product | child nuclide',
  'parent | parent nuclide | mother',
  'decay chain | decay series | bateman',
  'ingrowth | buildup | build up',
  'radiocarbon | carbon 14 | c14 | 14c',
  'dating | age determination | radiometric dating | carbon dating',
  'elapsed time | time elapsed | age',
  'atoms | nuclei | number of atoms',
  // numerical methods
  'ordinary differential equation | ode | odes | differential equation',
  'initial value problem | ivp',
  'runge kutta | rk4 | rk',
  'fourth order | 4th order',
  'integrate | integrator | time stepping | time integration',
  'step size | time step | dt',
  'right hand side | rhs | dydt',
  'fixed step | constant step | uniform step',
  'stiff | stiffness | lsoda | bdf',
  'solver | integrator',
  'time course | time history | concentration history',
  'root finding | find root | solve equation | zero of function',
  'interpolation | interpolate | interp',
  'quadrature | numerical integration | area under curve',
  'optimization | optimisation | minimize | minimization',
  'least squares | linear fit | line fit | best fit | regression line',
  'straight line | linear',
  'vectorized | vectorised | element wise | broadcast',
  'random | stochastic | monte carlo | probabilistic',
  'random number generator | rng | seed',
  // signal processing
  'smooth | smoothing | smoother | denoise | noise reduction',
  'moving average | rolling mean | rolling average | boxcar',
  'filter | filtering',
  'low pass | lowpass',
  'high pass | highpass',
  'band pass | bandpass | pass band | band',
  'band stop | bandstop | notch',
  'cutoff | cut off | corner frequency | edge frequency',
  'zero phase | no phase shift | forward backward | filtfilt | sosfiltfilt',
  'butterworth | butter',
  'frequency | hz | hertz',
  'spectrum | spectral | fourier',
  'fourier transform | fft | dft',
  'power spectral density | psd | power spectrum | welch',
  'spectrogram | stft | short time fourier | time frequency',
  'dominant frequency | peak frequency | fundamental frequency',
  'oscillation | vibration | oscillating',
  'period | periodicity | repeat | cycle',
  'autocorrelation | auto correlation | self correlation | autocorrelation function | acf',
  'cross correlation | xcorr',
  'lag | shift | delay | offset',
  'peak | local maximum | local maxima | spike',
  'threshold | cut off | height | minimum height',
  'detrend | remove trend | drift removal | baseline removal | baseline correction',
  'trend | drift | baseline drift',
  'root mean square | rms | effective value | quadratic mean',
  'amplitude | magnitude',
  'signal | waveform | time series',
  'sampling rate | sample rate | sampling frequency | fs',
  'downsample | decimate',
  'upsample | interpolate signal',
  'window | windowing | hann | hanning | hamming',
  'convolution | convolve',
  'electrocardiogram | ecg | ekg',
  'electroencephalogram | eeg | brain recording | brain signal',
  'electromyogram | emg',
  'audio | sound | acoustic',
  'voltage | volt | volts | potential difference',
  'alternating current | ac',
  'gpu | cuda | cupy | graphics card | accelerator',
  // statistics
  'standard deviation | std | sd',
  'variance | var',
  'z score | zscore | standard score',
  'confidence interval | confidence limits | error bar | interval estimate',
  'bootstrap | resampling | resample with replacement',
  'percentile | quantile',
  'pearson | correlation coefficient | linear correlation | product moment',
  'correlation | correlate | correlated | association',
  'normal distribution | gaussian | bell curve',
  'histogram | frequency distribution',
  'outlier | anomaly',
  'feature | variable | predictor | covariate',
  'observations | data points | measurements | samples',
  // mechanics, materials, electromagnetism, optics
  'stress | tension',
  'strain | deformation',
  "young's modulus | elastic modulus | modulus of elasticity | stiffness",
  'torque | moment',
  'displacement | deflection',
  'current | amps | ampere',
  'resistance | ohm | ohms',
  'capacitance | capacitor | farad',
  'inductance | inductor | henry',
  'magnetic field | flux density | b field | tesla',
  'electric field | e field',
  'charge | coulomb',
  'power | watt | watts | kw | kilowatt',
  'energy | joule | joules | kj',
  'wavelength | lambda',
  'refractive index | index of refraction',
  'focal length | focus',
  // astronomy, earth sciences
  'orbit | orbital',
  'star | stellar',
  'galaxy | galactic',
  'redshift | doppler shift',
  'earthquake | seismic | quake | tremor',
  'rainfall | precipitation | rain',
  'humidity | moisture',
  'elevation | altitude',
  'latitude longitude | lat lon | coordinates | geographic coordinates',
  'great circle distance | haversine',
  // biology
  'dna | genome | genomic',
  'nucleotide | base pair | bp',
  'protein | peptide | amino acid',
  'gene expression | expression level | transcript abundance',
  'sequence alignment | align sequences | alignment',
  'cell | cellular',
  'population | abundance',
  // images and machine learning
  'image | picture | photo | frame',
  'pixel | voxel',
  'edge detection | edges | sobel | canny',
  'segmentation | segment | mask',
  'blur | gaussian blur',
  'rotate | rotation',
  'resize | rescale image',
  'classify | classification | classifier | categorize',
  'cluster | clustering | k means | kmeans | grouping',
  'neural network | deep learning | neural net',
  'train | training | learn | fit model',
  'dimensionality reduction | pca | principal component',
  'mesh | grid',
  // units as quantities: docstrings name quantities by their unit ([Pa], [Hz], [Bq])
  'pascal | pa | kpa | bar | psi | atm',
  'hour | hr',
  'year | yr',
];

/** Words for closely related things: a block that speaks of one often answers a task that names the other. */
const RELATED: readonly string[] = [
  // general
  'remove | filter | clean',
  'smooth | filter | average',
  'noise | noisy | fluctuation',
  'clean | denoise',
  'fraction | share | part',
  'maximum | peak',
  'time | duration | elapsed time',
  'rate | per second | per unit time',
  'uncertainty | confidence | variability | spread',
  'object | class | instance',
  'example | tutorial | walkthrough | demo | script',
  'design | size | sizing | dimension',
  'check | verify | validate',
  // fluid mechanics
  'pressure | pa | head',
  'pressure drop | friction | flow resistance | darcy weisbach',
  'pressure drop | pump | pumping',
  'pipe | pipe flow | internal flow',
  'laminar | turbulent | transitional | flow regime | reynolds number | regime',
  'turbulent | turbulence | reynolds number',
  'inertia | inertial | momentum',
  'viscous | viscosity | friction',
  'fluid | flow | stream',
  'gas | air | vapor',
  'liquid | water | oil',
  'fluid | liquid | gas',
  'packed bed | column | adsorber | adsorption column | reactor | filter bed | catalyst bed',
  'porous medium | soil | sand | gravel | sediment | aquifer | rock',
  'groundwater | aquifer | seepage',
  'seepage | darcy law | permeability | groundwater flow',
  'permeability | darcy | kozeny carman | carman kozeny | porous flow',
  'ergun | packed bed pressure drop | blake kozeny | burke plummer',
  'settling | sedimentation | terminal velocity',
  'particle | sphere | droplet | bubble',
  'buoyancy | archimedes number | galileo number | gravity',
  'drag | friction | resistance',
  'pump | power | energy',
  'pump power | power consumption',
  'hydraulic diameter | duct | channel | non circular',
  'friction factor | pressure drop | head loss | roughness',
  'roughness | steel | cast iron | concrete | plastic',
  'wall | plate | surface | barrier',
  'minor loss | valve | orifice | nozzle | elbow | bend',
  'two phase | multiphase | gas liquid | bubbly flow | slug flow',
  'compressible | mach number | sonic | speed of sound',
  'boundary layer | wall shear | shear stress',
  'bernoulli | energy equation',
  'navier stokes | cfd | computational fluid dynamics',
  'open channel | manning | weir | flume',
  'stirred tank | mixing | impeller | agitator',
  // heat transfer and thermodynamics
  'heat transfer | convection | conduction | radiation',
  'heat transfer coefficient | nusselt number | film coefficient',
  'nusselt number | dittus boelter | sieder tate | gnielinski | convection correlation',
  'forced convection | turbulent flow in tube | tube side | internal flow',
  'prandtl number | momentum diffusivity | thermal diffusivity | kinematic viscosity',
  'diffusivity | diffusion',
  'grashof number | rayleigh number | natural convection | buoyancy driven',
  'heat exchanger | shell and tube | plate heat exchanger | double pipe | water heater | condenser | evaporator | cooler',
  'heat exchanger | lmtd | ntu | effectiveness',
  'outlet temperature | leaving temperature',
  'temperature difference | driving force | delta t | dt',
  'log mean temperature difference | temperature driving force | terminal temperature difference',
  'heat duty | energy | power',
  'sensible heat | heat duty | heating | cooling | warming',
  'overall heat transfer coefficient | thermal resistance | wall resistance | fouling | series resistances',
  'insulation | lagging | thermal resistance',
  'conductivity | conduction | thermal resistance',
  'thermal | heat | temperature',
  'radiation | emissivity | stefan boltzmann | black body | grey body | view factor',
  'boiling | condensation | evaporation | phase change | latent heat',
  'gibbs energy | spontaneous | feasibility | favorable | exergonic | endergonic',
  'gibbs energy | equilibrium constant',
  'equilibrium | equilibrium constant | completion | extent',
  'enthalpy | endothermic | exothermic | heat of reaction',
  "van 't hoff | van t hoff | equilibrium shift | temperature dependence of equilibrium",
  'le chatelier | equilibrium shift',
  'ideal gas | gas law | pv nrt',
  'vapor pressure | antoine | clausius clapeyron | boiling point',
  'speed of sound | acoustic velocity | sonic velocity',
  'ph | acidity | pka | dissociation constant | acid | base | buffer',
  'solubility | dissolve | saturation',
  // chemistry and kinetics
  'rate constant | arrhenius | reaction rate',
  'temperature dependence | arrhenius | activation energy',
  'activation energy | arrhenius | temperature sensitivity',
  'reaction rate | rate law | kinetics | rate',
  'first order | exponential decay | exponential',
  'second order | bimolecular | dimerization',
  'zero order | constant rate',
  'nth order | reaction order | power law',
  'half life | decay constant | rate constant',
  'reactant | concentration | reaction',
  'reaction | chemical reaction | conversion',
  'consumption | rate of disappearance | rate',
  'conversion | yield | progress',
  'instantaneous rate | rate at concentration | reaction rate',
  'integrated rate law | concentration over time | concentration vs time',
  'time course | concentration over time | simulate',
  'mass action | reaction network | kinetic model | chemical kinetics',
  'stiff | implicit | lsoda | bdf | solve ivp',
  'catalyst | enzyme | rate',
  'michaelis menten | enzyme kinetics | enzyme | substrate | vmax | km',
  'gillespie | stochastic simulation | ssa | stochastic kinetics',
  'pharmacokinetics | drug | plasma | dose | clearance | first order',
  'dose | dosage | exposure',
  // nuclear
  'isotope | radioactive | decay | half life',
  'radioactive | decay | radiation | activity',
  'activity | decay rate | counts | emission | emit | disintegrations',
  'emit | emission | radiate',
  'decay chain | daughter | parent | ingrowth | secular equilibrium | transient equilibrium',
  'radiocarbon | dating | age | archaeology | archaeological | fossil',
  'dating | age | how old | remaining fraction | parent remaining',
  'remaining fraction | fraction remaining | n n0',
  'radionuclide | radium | radon | uranium | thorium | plutonium | cesium | cobalt | tritium | carbon 14 | potassium 40',
  'gamma | alpha | beta | radiation | dose rate | shielding | attenuation',
  'dose rate | dosimetry | gray | sievert | shielding',
  'fission | neutron | reactor criticality',
  // numerical methods
  'ode | differential equation | initial value problem | integrate | runge kutta | euler',
  'runge kutta | rk4 | fourth order',
  'step | time step | step size',
  'system of equations | state vector | state',
  'implicit | backward euler | stiff',
  'solve ivp | scipy integrate | odeint | lsoda',
  'simulate | integrate | time course | evolve | propagate',
  'differential equation | dydt | derivative | rate of change',
  'finite difference | finite element | finite volume | pde | partial differential equation',
  'newton | root finding | nonlinear equation | bisection',
  'spline | interpolation | smoothing spline',
  'fit | least squares | regression | curve fit',
  'iteration | convergence | tolerance',
  // signal processing
  'smooth | moving average | low pass | boxcar | savitzky golay',
  'noisy | noise | smooth | filter',
  'time series | signal | recording | series | sequence of samples',
  'sensor | recording | measurement | signal | data',
  'filter | butterworth | chebyshev | fir | iir | band pass',
  'phase | phase shift | phase distortion | delay',
  'spectrum | frequency | power spectrum | fourier',
  'power | energy | spectral density',
  'vibration | oscillation | frequency',
  'frequency | period | oscillation | cycle',
  'dominant frequency | largest peak | spectral peak',
  'autocorrelation | periodicity | self similarity | lag',
  'peak | local maxima | maxima | peak detection | peak picking | find peaks',
  'threshold | height | minimum',
  'detrend | linear trend | least squares line | straight line',
  'drift | trend | baseline',
  'rms | amplitude | level | loudness | power | energy',
  'ac | alternating | sinusoid | sine wave | waveform',
  'spectrogram | time frequency | wavelet | short time',
  'wavelet | multiresolution | denoising',
  'resample | sampling rate | decimate | anti aliasing | aliasing | nyquist',
  'sampling | sampled | samples',
  'kalman filter | state estimation | tracking | state space',
  'eeg | brain | neural | electrode',
  'ecg | heart | cardiac | heartbeat',
  'audio | speech | music | microphone',
  'image | 2d | two dimensional',
  'gpu | parallel | fast | acceleration',
  'fft | fast | convolution | correlation',
  'download | dataset | network | internet | fetch',
  // statistics
  'standardize | z score | mean | standard deviation',
  'standardize | normalize | zero mean unit variance',
  'normalize | normalization | scale | rescale',
  'mean | average | expectation | central tendency',
  'median | percentile | robust',
  'confidence interval | bootstrap | uncertainty | standard error',
  'resampling | bootstrap | permutation | jackknife',
  'statistic | estimator | mean | median',
  'correlation | relationship | association | linear relationship | dependence',
  'paired | two samples | two variables | pair',
  'hypothesis test | p value | significance | t test',
  'spearman | rank correlation | kendall',
  'regression | slope | intercept | linear model',
  'probability | likelihood | chance',
  // mechanics, electromagnetism, other physics
  'stress | strain | elasticity | hooke',
  'beam | bending | deflection',
  'fracture | crack | fatigue',
  'voltage | current | resistance | ohm',
  'circuit | resistor | capacitor | inductor',
  'electromagnetic | maxwell | magnetic | electric',
  'optics | lens | refraction | diffraction',
  'wave | wavelength | frequency | propagation',
  'quantum | schrodinger | wavefunction',
  'molecular dynamics | md | force field | trajectory',
  // earth and space
  'orbit | kepler | orbital period | trajectory',
  'star | luminosity | magnitude | stellar',
  'earthquake | seismogram | magnitude',
  'climate | weather | temperature | precipitation',
  'ocean | sea | salinity',
  'hydrology | runoff | streamflow | river',
  // biology and medicine
  'gene | genome | dna | sequence',
  'protein | structure | folding',
  'growth | logistic | exponential growth | population',
  'epidemic | sir model | infection | transmission',
  'neuron | spike | action potential',
];

interface Alternative {
  /** Stems that must appear consecutively in the query. */
  stems: string[];
  group: number;
}

interface Group {
  relation: 'same' | 'related';
  weight: number;
  alternatives: string[][];
}

interface Compiled {
  groups: Group[];
  /** first stem of an alternative -> the alternatives starting with it */
  byFirst: Map<string, Alternative[]>;
}

function compile(): Compiled {
  const groups: Group[] = [];
  const byFirst = new Map<string, Alternative[]>();
  const add = (entries: readonly string[], relation: 'same' | 'related', weight: number) => {
    for (const entry of entries) {
      const alternatives = entry
        .split('|')
        .map((a) => tokenize(a))
        .filter((stems) => stems.length > 0);
      if (alternatives.length < 2) continue;
      const group = groups.length;
      groups.push({ relation, weight, alternatives });
      for (const stems of alternatives) {
        const list = byFirst.get(stems[0]!) ?? [];
        list.push({ stems, group });
        byFirst.set(stems[0]!, list);
      }
    }
  };
  add(SAME, 'same', SAME_WEIGHT);
  add(RELATED, 'related', RELATED_WEIGHT);
  return { groups, byFirst };
}

let compiled: Compiled | null = null;
function lexicon(): Compiled {
  // Built on first use: a process that imports the index but never searches does not pay for it.
  compiled ??= compile();
  return compiled;
}

/**
 * Related words for a query, given as its content tokens in order (stemmed, stop words dropped, as `tokenize`
 * gives them). An alternative made only of the query's own words is never an expansion (they are matched as
 * themselves); an alternative reached from one query word through several groups keeps its highest weight.
 */
export function expandTokens(tokens: readonly string[]): Expansion[] {
  const { groups, byFirst } = lexicon();
  const own = new Set(tokens);
  const out = new Map<string, Expansion>();
  for (let i = 0; i < tokens.length; i++) {
    for (const alt of byFirst.get(tokens[i]!) ?? []) {
      if (!alt.stems.every((s, k) => tokens[i + k] === s)) continue;
      const g = groups[alt.group]!;
      for (const other of g.alternatives) {
        if (other === alt.stems || other.every((t) => own.has(t))) continue;
        for (const source of alt.stems) {
          const key = `${source}|${other.join(' ')}`;
          const e = out.get(key);
          if (!e) out.set(key, { words: other, weight: g.weight, relation: g.relation, source });
          else if (g.weight > e.weight) {
            e.weight = g.weight;
            e.relation = g.relation;
          }
        }
      }
    }
  }
  return [...out.values()];
}

/** How many groups the vocabulary holds, per strength: for tests and reports. */
export function lexiconSize(): { same: number; related: number } {
  const { groups } = lexicon();
  return {
    same: groups.filter((g) => g.relation === 'same').length,
    related: groups.filter((g) => g.relation === 'related').length,
  };
}
