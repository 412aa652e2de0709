/** Special functions from stdlib (stdlib.io), plus the log-space helpers the likelihoods need. */
import gammaln from '@stdlib/math-base-special-gammaln';
import hyp2f1 from '@stdlib/math-base-special-hyp2f1';
import digamma from '@stdlib/math-base-special-digamma';

export { digamma, gammaln, hyp2f1 };

