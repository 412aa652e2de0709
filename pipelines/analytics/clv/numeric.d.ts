// The slice of `numeric` (numericjs.com) that clm uses: BFGS minimisation, and the matrix inverse
// behind standard errors.
declare module 'numeric' {
  interface UncminResult {
    solution: number[];
    f: number;
    gradient: number[];
    invHessian: number[][];
    iterations: number;
    message: string;
  }
  const numeric: {
    uncmin(f: (x: number[]) => number, x0: number[], tol?: number, gradient?: (x: number[]) => number[], maxit?: number): UncminResult;
    inv(matrix: number[][]): number[][];
  };
  export default numeric;
}
