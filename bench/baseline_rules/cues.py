"""Generic English cues for operations, comparisons, changes and context (no dataset words)."""

from __future__ import annotations

import re

MISTAKE = r"(?:slips? up|slipp\w* up|screws? up|screw\w* up|mess\w* up|goof\w*|blunder\w*|mistakes?|errors?|erroneous\w*|erors?|wrong\w*|misclassif\w*|mis classif\w*|incorrect\w*|mispredict\w*|misses|missed|false positives?|false negatives?|inaccura\w*|get it wrong|fail\w*)"

# Error measures of a regression model: the language has no token for them, and ``score default``
# reports them, so they are the default score (and never "mistakes").
REGRESSION_METRICS = r"(?:root )?mean (?:absolute|squared?|square) (?:error|deviation)|\bmae\b|\bmse\b|\brmse\b|rsquared|coefficient of determination|explained variance"

OPERATION_CUES: list[tuple[str, str]] = [
    # (kind, regex) — earlier entries win within a clause
    ("self", r"who are you|(?:tell me )?who you are|what are you|your name|are you (?:a |an )?(?:person|human|bot|robot|ai|chatbot|machine|real|computer)|who am i (?:talking|speaking|chatting) (?:to|with)|introduce yourself|who is this|who made you|a chatbot|are you human"),
    ("function", r"what can you do|what (?:kinds?|types?|sorts?) of (?:questions|things)|how (?:do|can|should) i use|^help$|help me understand what you|your capabilit\w*|what (?:are|is) (?:you|this) (?:able|for|capable)|what can i ask|how does this (?:thing )?work|what do you do|what are you able|what questions|what can (?:this|the|your) (?:tool|app|assistant|system|thing|bot|chatbot|program|interface) do"),
    ("model", r"what (?:kind|type|sort) of (?:model|classifier|algorithm|predictor|ml model|machine learning model)|which (?:model|algorithm|classifier|method)|what (?:model|algorithm|classifier)|(?:tell me|talk) about (?:the|your|this) model|describe (?:the|your|this) model|model (?:type|architecture|class|family)|how (?:was|is) (?:the|this|your) model (?:trained|built|made)|(?:the|your|this) model is|what is (?:the|your|this) model$"),
    ("mistake typical", r"in common|(?:the )?most (?:errors|mistakes)|most (?:often|frequently) wrong|most error prone|pattern\w*|typical\w*(?! value)|look like|characteri[sz]\w*|tend to (?:go wrong|make mistakes|err|fail|be wrong|get \w+ wrong)|go(?:es)? wrong|struggl\w*|weak(?:ness|nesses)?|common (?:traits|features|factors|characteristics)|\bshare\b|trends?|what kind of (?:patients|people|rows|cases)|where does (?:the model|it) (?:fail|err|make|slip|mess|screw|go wrong)|describe (?:the )?" + MISTAKE + r"|summar\w* (?:of )?(?:the )?" + MISTAKE),
    ("mistake count", r"how many|number of|count|how often|how frequently|how much|total|rate|percentage|proportion|fraction|frequency|amount"),
    ("mistake sample", r"show|which|examples?|list|some|few|sample|give|who|display|see|what are|what were|where|cases|instances"),
    ("explain cfe", r"counterfactual\w*|change (?:its|his|her|their|the model s|the model) mind|\bcfe\b|flip\w*|revers\w*|(?:the )?opposite (?:prediction|outcome|result|decision|label|class)|get the opposite|(?:get|make|convince) the model to (?:predict|say|change|output)|(?:different|better|other|another|alternative) (?:prediction|outcome|result|decision|label|class|classification|diagnos\w*|response)|change (?:the |that |this |its |their |his |her |my )?(?:prediction|outcome|result|decision|label|classification|diagnos\w*)|change (?:it|them|that)\b|would (?:have|need|has|needs) to change|would (?:it|that) take|what would it take|what could (?:\w+ ){1,3}(?:change|do)|do (?:\w+ )?differently|(?:stop|not|avoid) (?:predicting|being predicted|flagging|being flagged)|would not flag|wouldn't flag|need to (?:change|be different|do)|needs to change|be different|changes would|smallest change|minimal change|minimum change|what would change (?:it|the|that|this|them|his|her|their)|what (?:could|would|should) (?:\w+ ){0,3}change to|how (?:could|can|would) (?:\w+ ){1,3}(?:get|obtain|receive|achieve) (?:a|the|an)|to get (?:a|the) (?:different|better|other)|what (?:needs|has) to change|what would have to|what must change|alter the (?:prediction|outcome)"),
    ("explain shap", r"shap\w*"),
    ("explain lime", r"lime"),
    ("explain features", r"why|what is it about|what about (?:\w+ ){0,3}(?:makes?|made) |makes? (?:the model|it|the classifier)|explain\w*|explan\w*|reason\w*|driv\w*|drove|behind|influenc\w*|factors?|attribut\w*|pushed|push|contribut\w*|account(?:s|ed)? for|caused?|causes|responsible|led to|lead to|leads to|justif\w*|what made|made (?:the model|it)|rationale|interpret\w*|how come|walk me through|breakdown of (?:the|this|that) prediction|basis"),
    ("likelihood", r"how likely|likel(?:y|ihood|yhood)|probabilit\w*|probab\w*|\bprob\b|chances?|odds|confiden\w*|how sure|sure is|certain\w*|risk|percent chance"),
    ("score", r"accura\w*|\bacc\b|\bf1\b|f 1 score|f-1|f score|f-score|f measure|\broc\b|\bauc\b|area under (?:the )?(?:curve|roc|receiver)|precision|recall|sensitiv\w*|true positive rate|specificity|true negative rate|\bppv\b|positive predictive|\bnpv\b|negative predictive|how (?:good|well|bad|reliable|precise|specific)\b|(?:precise|specific) is (?:the|this|your) (?:model|classifier)|any good|good is (?:the|this|your) (?:model|classifier)|perform\w*|how does (?:the model|it|the classifier) do|how (?:is|are) (?:the model|it|you) doing|quality|metrics?|evaluat\w*|\bscores?\b|" + REGRESSION_METRICS),
    ("interact", r"interact\w*|interplay|jointly|combined effects?|work together|depend on each other"),
    ("important", r"important|importance|importnat|matter\w*|influential|rank\w*|\btop\b|most (?:predictive|relevant|significant|useful|impactful|influential|informative)|predictive|relevan\w*|significan\w*|key (?:features|factors|variables)|biggest (?:factors?|drivers?)|(?:big|major|key|main|strong|important|significant|large) (?:factor|driver|predictor|influence)s?|strongest|weigh(?:t|ts|s|ed)?\b|how much (?:does|do) (?:\w+ ){1,4}(?:count|affect)|rel(?:y|ies|ied|ying) (?:the )?(?:most )?(?:on|upon)|depends? (?:the )?most on|affect\w*|impact\w*|\b(?:use|uses|using|used) (?:\w+ ){1,4}(?:much|a lot|heavily|at all)\b"),
    ("label", r"(?:true|actual|real|correct|ground|gold|observed|recorded) (?:label|labels|outcome|outcomes|diagnos\w*|class|classes|value|values|answer|answers|result|results|status|decisions?|verdicts?|category|categories)|ground truth|truth|\blabels?\b(?! (?:\w+ )?as\b)|acutal|(?:does|did|do|is|was) (?:\S+ ){0,4}(?:actually|really|truly) (?:have|has|had|get|got|develop)|in reality|in fact|(?:is|was|are|were) (?:\S+ ){0,4}(?:actually|really|truly)\b"),
    ("define", r"(?:does|do|did) (?:\w+ ){1,6}mean\b|\bmeans\b|meaning|what is meant|\bdefine\w*|definition|stand for|stands for|refers? to|(?:does|do) (?:\S+ ){1,6}(?:measure|describe|represent|signify|capture|indicate|quantify)\b|what (?:exactly )?is (?:a |an |the )?FEATURE\s*\??$|describe (?:the )?(?:feature|variable|column)|what kind of (?:feature|variable)"),
    ("statistic", r"average|\bavg\b|\bmean\b|median|distribut\w*|range|standard deviation|\bstd\b|variance|spread|summar\w*(?! (?:of )?(?:the |this |your )?data)|stat\b|stats|statistic\w*|breakdown|proportion|percentage|fraction|\bshare\b|how (?:common|prevalent|frequent)|prevalence|rate of|\brate\b|typical (?:value|values)|\b(?:typical|usual)\b|minimum|maximum|\bmin\b|\bmax\b|highest|lowest|histogram|quartiles?|percentiles?|on average|spread"),
    ("countdata", r"how many|tally\w*|count up|total up|number of|\bcount\w*|how much data|total number|size of|are there|\bnumber\b"),

    ("show", r"show\w*|^which (?:\w+ )?(?:applicants|patients|people|ones|cases|rows|records|samples|tumou?rs|customers|individuals|borrowers|loans)\b|lay out|raw (?:numbers|data|values|features)|^who (?:are|were|is) (?:the|all the)\b|shwo|display\w*|\blist\w*|\bsee\b|view|pull up|print|details?|look like|give me (?:the )?(?:data|rows|values|records)|values? (?:of|for)|data (?:for|of|on)|what (?:are|were) (?:the )?(?:values|features|feature values)|bring up|records?"),
    ("predict", r"predict\w*|predicton|forecast\w*|classif\w*|flag\w*|\boutcomes?\b|\bresults?\b|decision|decide\w*|\bthink\w*|(?:model|it|classifier|algorithm) (?:says?|said)|say about|output|\bcall\b|estimat\w*|verdict|diagnos\w*|what would happen|what happens|what will happen|would (?:it|the model) (?:say|be)|\bguess\w*"),
    ("data", r"describe (?:the |this |your )?data\w*|data ?set|datset|\bdata\b|training (?:set|data)|what features|which features are"),
]

META_KINDS = frozenset({"self", "function", "model", "data"})

# A message that only thanks or acknowledges ("great, thanks!"); "yes, thanks" accepts an offer.
THANKS = re.compile(
    r"^(?:(?:ok|okay|great|cool|nice|perfect|awesome|brilliant|excellent|wonderful|lovely|super|"
    r"fantastic|good|alright|all right|got it|that helps|that is helpful|very helpful|"
    r"that was helpful|helpful)(?: ,| !| \.)* )*"
    r"(?:thanks?|thank you|thankyou|thx|ty|cheers|many thanks|much appreciated|appreciate it)"
    r"(?: (?:so|very) much| a lot| a ton| again| for (?:the|your|that) (?:help|answer|info|"
    r"information|explanation))*(?: (?:,|!|\.|:\)|:-\)))*$"
)

FOLLOWUP = re.compile(
    r"^(?:(?:oh |ok |okay |well |hmm )?(?:yes|yeah|yea|yep|yup|sure|ok|okay|please|absolutely|definitely|of course|go ahead|do it|do that|sounds good|why not|great|alright|all right|fine|please do|that would be (?:great|nice|good|helpful)|i would like that|i'd like that|let us do it|let us see|show me|go for it)(?: ,)?(?: please| thanks| thank you| do that| do it| sure| go ahead| show me| that would be great)*(?: \.| !)*)+$"
)

PREVIOUS_OPERATION = r"same (?:thing|question|for|again|analysis|but|please)?|\bthe same\b|do (?:that|this|it) again|repeat|what about|how about|and for|\bfor\b|as well|\btoo\b|likewise|also for|now for|now do"

CORRECTION = r"^(?:no|nope|sorry|actually|oops|wait|hmm|i meant|i mean|make (?:that|it)|rather|correction|not \w+ ,)|i meant|make that|make it|instead of|rather than|i mean\b"

CARRY_CHANGES = r"\bthen\b|in that case|that new|the new|with (?:that|this|the) change|after (?:that|the) change|\balso\b|\bstill\b|as well|in addition|on top of"

DROP_CHANGES = r"forget the change|without the change|original\w*|before the change|undo|actual prediction|current\w*|right now"

PRONOUN_ROWS = r"\bthem\b|\bthey\b|\bthose\b(?! (?:\w+ing|with|who|that|whose|having|aged|over|under|above|below|in|of|which|where|without)\b)|\bthese\b(?! (?:with|who|that|whose|having)\b)|\btheir\b|that (?:group|patient|person|one|case|record|row|individual|subset|population)|this (?:group|patient|person|one|case|record|row|individual|subset)|\bhe\b|\bshe\b|\bher\b|\bhim\b|\bhis\b|the same (?:people|patients|group|rows)|the ones(?! (?:with|who|that|whose|having|aged|over|under|above|below|in|of|which|where|without|older|younger)\b)|which ones|\bthat(?= \?|$)|\bit\b"

# Which rows by their part in training (the ``split`` extension clause): "on patients it was not
# trained on" -> split heldout, "on the training data" -> split training, "on all rows" -> split all.
_MODEL = r"(?:it|you|the model|this model|the classifier)"
_ROWS = (r"(?:rows?|data|records?|cases?|examples?|samples?|patients?|people|persons?|ones|"
         r"instances|individuals|applicants|customers|entries)")
SPLIT_HELDOUT = (
    _MODEL + r" (?:was|were|has|have|had|is|are|did) (?:not|never) (?:been )?(?:trained|fit|fitted|"
    r"seen|see|shown|learned|learnt)(?: (?:on|with|from))?"
    r"|" + _MODEL + r" (?:never) (?:saw|see|seen|trained on|learned from|learnt from)"
    r"|(?:not|never) (?:used|included|seen) (?:in|for|during) (?:the |its |your )?training"
    r"|(?:kept|left|held) out of (?:the |its |your )?training"
    r"|outside (?:the |its |your )?training (?:set|data)"
    r"|held out|holdout|hold out (?:set|data|rows)|unseen|out of sample"
    r"|(?:the )?(?:test|testing|validation) (?:set|data|rows|split|sample|portion)")
SPLIT_ALL = (
    r"(?:all|every) (?:of )?(?:the )?rows?"
    r"|including (?:the )?(?:training|train) (?:data|rows|set|ones|examples)"
    r"|(?:training|train) (?:data|rows|set) included"
    r"|both (?:the )?(?:training|train) and (?:the )?(?:test|held out|holdout) (?:data|rows|sets?)")
SPLIT_TRAINING = (
    r"(?:the |its |your |their )?(?:training|train) (?:data|set|rows|split|sample|examples|"
    r"portion|cases|records|patients|people)"
    r"|in sample"
    r"|" + _ROWS + r" (?:that |which )?" + _MODEL + r" (?:was|were|has been|have been|had been|is|"
    r"are) (?:trained|fit|fitted) (?:on|with)"
    r"|" + _ROWS + r" (?:that |which )?" + _MODEL + r" (?:saw|has seen|have seen|learned from|"
    r"learnt from)(?: (?:during|in) training)?"
    r"|" + _ROWS.replace("data|", "") + r" (?:was|were|did|is|are|has|have) " + _MODEL
    + r" (?:been )?(?:trained|fit|"
    r"fitted|train)(?: on| with)?"
    r"|(?:used|seen) (?:in|for|during) (?:the |its |your )?training")

WHOLE_DATA = r"whole data\w*|entire data\w*|all (?:the )?(?:data|patients|people|rows|records|instances|cases|individuals|customers|applicants)|everyone|everybody|overall|in general|in total|all of the data|across the board|globally"

WHATIF = (r"what if|\bif\b|suppos\w*|imagin\w*|assum\w*|pretend|hypothetical\w*|were to|"
          r"\bwhat would happen\b|let us say|^(?:ok |okay |now |and |so )?say\b|"
          r"(?:^|, )with (?:a|an|the|their|his|her|its) (?:\w+ ){1,4}\d+(?:\.\d+)? (?:\w+ )?"
          r"(?:lower|higher|less|more|fewer|smaller|bigger|larger|up|down)\b")

COMPARATORS_PREFIX: list[tuple[str, str]] = [
    ("not equal to", r"not equal to|!=|other than|different from|does not equal|is not"),
    ("greater equal than", r"at least|no less than|not less than|no fewer than|minimum(?: of)?|>=|greater than or equal to|more than or equal to|greater or equal to|equal or (?:greater|more|higher) than|or more than|a minimum of"),
    ("less equal than", r"at most|no more than|not more than|no greater than|not greater than|maximum(?: of)?|<=|less than or equal to|up to|no higher than|not exceeding|not over|no older than|no bigger than|no larger than|a maximum of|less or equal to|max"),
    ("greater than", r"over|above|more than|greater than|higher than|older than|bigger than|larger than|exceeding|exceeds?|exceeded|>|in excess of|beyond|heavier than|longer than|later than|after|past|upwards of|north of|greater then|more then"),
    ("less than", r"under|below|less than|lower than|younger than|fewer than|smaller than|<|beneath|shorter than|lighter than|before|less then|lower then|sub"),
    ("equal to", r"equal to|equals?|exactly|==|=|is exactly|of exactly|aged|precisely"),
]

COMPARATORS_POSTFIX: list[tuple[str, str]] = [
    ("greater equal than", r"or (?:more|older|above|higher|greater|over|up|bigger|larger|later|plus)|and (?:above|up|over|older|higher|more|greater)|\+|plus|or greater|at minimum"),
    ("less equal than", r"or (?:less|younger|below|under|lower|fewer|smaller|earlier)|and (?:below|under|younger|lower|less)|or lower|at most|at maximum"),
]

DECREASE = r"dropped|drops?|decreas\w*|fell|falls?|went down|goes down|go down|came down|comes down|come down|reduc\w*|lower\w*|declin\w*|\bdown\b|\bless\b|lose|loses|lost|losing|\bcut\w*|fewer|younger|smaller|shed|minus|subtract\w*"
INCREASE = r"increas\w*|rose|rises?|went up|goes up|go up|grew|grows?|gain\w*|\bup\b|rais\w*|higher|\bmore\b|extra|add\w*|older|bigger|larger|plus|additional|boost\w*|\bhigher\b"
SET = r"\bset\b|were|was|\bis\b|\bbe\b|became|becomes|changed to|instead|equal to|\bto\b|\bat\b|\bof\b|had|has|have"

BOOL_FALSE_VERBS = r"quit\w*|stopp?\w*|gave up|give up|no longer|not|never|without|had no|has no|have no|did not|does not|do not|cured|lost|\bno\b|non|free of|got rid of|ceased|kicked"
BOOL_TRUE_VERBS = r"start\w*|took up|take up|develop\w*|became|become|got|get|had|have|has|was|were|began|begin|\bis\b|\bbe\b|diagnosed|contract\w*|picked up|acquir\w*|with|a"

ID_NOUNS = r"\bpt|\bapp|tumou?rs?|scans?|biopsy|biopsies|applications?|patients?|pateints?|patinets?|case|record|id|person|instance|sample|row|entry|individual|subject|customer|applicant|client|observation|item|example|data point|datapoint|point|profile|user|member|borrower|defendant|inmate|loan|account|number|no|#|index|obs|participant|student|employee|house|person number"

NEGATION_BEFORE = r"\bnon\b|\bnot\b|\bno\b|without|never|do not|does not|did not|free of|are not|is not|who are not|lack\w*|absence of|except|excluding|neither|nor|nonsmok\w*|don't"

# Words that are ordinary English (never "corrected" into dataset words).
KNOWN_WORDS = frozenset(
    """
    a about above across after again against age all almost along also although always am among an
    and another any anyone anything are around as ask at average away back based be because been
    before being below best better between both but by can case cases change changed changes
    could count data day days did do does doing done down drop each either else enough even ever
    every everyone exactly few find first for from full get give given go going good got had has have
    having he her here hers high higher him his how however i if in instead into is it its just
    kind know last least less let like likely list little long look lost low lower made make many may
    me mean men might more most much must my near need never new next no none nor not now number of
    off often on once one only or other others our out over own part people per person please point
    points predict prediction put quite rate rather really right same say see set she should show
    since so some something still such sure take than that the their them then there these they thing
    things think this those though three through to too top two under until up upon us use used very
    want was way we well were what when where whether which while who whom whose why will with
    within without would yes yet you your women woman man male female old older young younger years
    year week weeks hours hour month months model patient patients many much wrong right why true
    false label labels features feature value values group groups most least important shap lime
    which type types kinds sort chance chances what's accuracy score rank ranking each overall total
    mistake mistakes error errors explain quit stop stopped gave smoke smoking were had lose gained
    gain added extra means meaning define average mean median typical common many how does do data
    dataset record records case id row rows sample instance then also same again about tell other
    were been being like likely unlikely flag flagged flip flips outcome outcomes result results
    predicted predictions predicts probability probabilities likelihood classifier algorithm
    predictive positive negative sensitive specific specificity sensitivity precision recall
    influential important importance interactions interaction attributions attribution features
    patients smokers diabetics misclassified percentage proportion distribution variables
    numbers values records instances cases people persons individuals customers applicants
    higher lower older younger bigger smaller larger heavier lighter longer shorter hypothetical
    """.split()
)

CUE_VOCABULARY = frozenset(
    """
    prediction predictions predicted predict predicts explain explanation reasoning probability
    likelihood likely accuracy accurate precision recall sensitivity specificity mistakes errors
    misclassified misclassification misclassifications incorrectly incorrect important importance
    interactions interaction interact features feature statistics average median distribution
    absolute squared rsquared mae mse rmse
    counterfactual counterfactuals dataset patients patient records record show display define
    definition model classifier algorithm confident confidence chances typical common pattern
    actually actual label labels diagnosis outcome wrong predictions influential matter matters
    what which where when with would could should does exercise people person against between
    """.split()
)
